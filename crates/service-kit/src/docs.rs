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

/// Declares the `cognito` bearer scheme (a Cognito JWT) that every authenticated operation names with the
/// permission it requires, and the answers the common layers can give any authenticated operation (429 when
/// the service sheds load, 504 past its timeout): `#[openapi(modifiers(&BearerAuth))]`.
#[derive(Debug)]
pub struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                if operation.security.is_some() {
                    common_responses(operation);
                }
            }
        }
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "cognito",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A Cognito access token. Each operation names the permission it requires; a person \
                         holds the permissions of their roles (Cognito groups), a machine client those of its \
                         scopes (tradai-api/<permission>).",
                    ))
                    .build(),
            ),
        );
    }
}

/// 429 (shed, with `Retry-After`) and 504 (past the timeout) on `operation`.
fn common_responses(operation: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let error = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ApiError")))
        .build();
    let responses = &mut operation.responses.responses;
    responses.entry("429".into()).or_insert_with(|| {
        ResponseBuilder::new()
            .description(
                "the service is at its concurrency limit; retry after the Retry-After seconds",
            )
            .content("application/json", error)
            .build()
            .into()
    });
    responses.entry("504".into()).or_insert_with(|| {
        ResponseBuilder::new()
            .description("the request took longer than the service's timeout")
            .build()
            .into()
    });
}
