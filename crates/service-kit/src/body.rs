//! A JSON body extractor whose rejection is the API's error body (VAL006 naming what is wrong), not axum's
//! plain-text 4xx.

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use crate::{ApiError, ValidationCode};

/// The request body as `T`.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(ApiError::validation(
                ValidationCode::ConfigFormat,
                "body",
                rejection.body_text(),
                "a JSON body (Content-Type: application/json) matching the documented schema",
            )),
        }
    }
}
