//! `tradai-lambda <handler>` (or `TRADAI_HANDLER`): serve one of the platform's Lambda handlers. One image
//! for every function; the function's command picks the handler. Settings come from the environment and are
//! checked at start.

use serde_json::Value;
use tradai_lambdas::runtime::App;

// One event at a time: a single-threaded runtime starts without spawning workers (blocking work still gets
// the blocking pool).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    tracing_subscriber::fmt()
        .json()
        .with_current_span(false)
        .init();
    let handler = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("TRADAI_HANDLER").ok())
        .ok_or("name the handler: tradai-lambda <handler> or TRADAI_HANDLER")?;
    let app = App::start(&handler, Box::new(|name| std::env::var(name).ok())).await?;
    let app = &app;
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<Value>| async move {
            // A `HandlerError` becomes the posted diagnostic, its `errorType` the name the workflows match.
            app.handle(event.payload).await
        },
    ))
    .await
}
