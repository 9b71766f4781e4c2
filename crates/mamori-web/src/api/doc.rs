//! The OpenAPI document's frame: title, bearer authentication, and the answers every route
//! can give because of how it is reached rather than what it does (a missing token, a body
//! or query that cannot be read, a body over the size limit or not sent as JSON). Adding those here, from each
//! operation's own shape, keeps the document exact without repeating them on every handler.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, OpenApi as OpenApiDoc, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::error::ErrorBody;

/// The document's frame; the routes add their own operations.
#[derive(OpenApi)]
#[openapi(
    info(title = "mamori API", description = "Security monitoring and everyday measures for small and medium businesses."),
    modifiers(&BearerAuth),
    components(schemas(ErrorBody)),
    security(("bearer" = []))
)]
pub(super) struct ApiDoc;

/// Declares the bearer-token scheme every secured route uses.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Adds to every operation the error answers its shape implies, unless the handler already
/// lists them: 401 where a token is required, 400 where a query string or JSON body is read,
/// 413 and 415 where a body is read.
pub(super) fn add_common_answers(doc: &mut OpenApiDoc) {
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            add_to(operation);
        }
    }
}

fn add_to(operation: &mut Operation) {
    let secured = operation
        .security
        .as_ref()
        .is_none_or(|requirements| !requirements.iter().all(is_anonymous));
    let reads_query = operation.parameters.iter().flatten().any(|p| match p {
        RefOr::T(p) => matches!(p.parameter_in, ParameterIn::Query),
        RefOr::Ref(_) => false,
    });
    let reads_body = operation.request_body.is_some();
    if secured {
        answer(operation, "401", "No valid bearer token");
    }
    if reads_body {
        answer(
            operation,
            "400",
            "The body could not be read as JSON of the described shape",
        );
        answer(
            operation,
            "413",
            "The body is larger than the server accepts",
        );
        answer(
            operation,
            "415",
            "The body was not sent as application/json",
        );
    } else if reads_query {
        answer(operation, "400", "The query string could not be read");
    }
}

/// True for the empty requirement `{}` that marks a route open to anyone.
fn is_anonymous(requirement: &utoipa::openapi::security::SecurityRequirement) -> bool {
    serde_json::to_value(requirement).is_ok_and(|v| v.as_object().is_some_and(|m| m.is_empty()))
}

fn answer(operation: &mut Operation, status: &str, description: &str) {
    operation
        .responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    Content::new(Some(Ref::from_schema_name("ErrorBody"))),
                )
                .build()
                .into()
        });
}
