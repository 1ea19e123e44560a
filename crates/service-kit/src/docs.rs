//! The OpenAPI document at `/openapi.json` and Swagger UI at `/docs` (decision S3: the page loads the Swagger UI
//! assets from a CDN in the browser, so nothing is downloaded at build time).

use axum::response::Html;
use axum::routing::get;
use axum::Router;

/// Routes serving `openapi` and its Swagger UI page titled `title`.
pub fn routes<S: Clone + Send + Sync + 'static>(
    openapi: utoipa::openapi::OpenApi,
    title: &str,
) -> Router<S> {
    let page = format!(
        r##"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="https://unpkg.com/swagger-ui-dist@5/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="https://unpkg.com/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({{url: "/openapi.json", dom_id: "#swagger-ui"}});</script>
</body></html>"##
    );
    Router::new()
        .route(
            "/openapi.json",
            get(move || async move { axum::Json(openapi.clone()) }),
        )
        .route("/docs", get(move || async move { Html(page.clone()) }))
}
