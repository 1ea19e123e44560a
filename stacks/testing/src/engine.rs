//! The gRPC services a Pulumi program talks to: ResourceMonitor (registrations) and Engine (logs, root).

use std::sync::{Arc, Mutex};

use pulumi_gestalt_proto::pulumi::pulumirpc as rpc;
use rpc::engine_server::Engine;
use rpc::resource_monitor_server::ResourceMonitor;
use serde_json::{Map, Value};
use tonic::{Request, Response, Status};

use crate::fakes;
use crate::values::{to_json, to_struct};

/// One resource the program registered.
#[derive(Debug, Clone, PartialEq)]
pub struct Registered {
    /// Type token, e.g. `aws:s3/bucket:Bucket`.
    pub type_: String,
    /// Logical name.
    pub name: String,
    pub urn: String,
    pub custom: bool,
    pub parent: String,
    /// Inputs as the program sent them (secrets unwrapped).
    pub inputs: Value,
    pub dependencies: Vec<String>,
}

/// What the engine saw during one run.
#[derive(Debug, Default)]
pub struct Recording {
    pub resources: Vec<Registered>,
    /// Stack exports (outputs registered on the stack resource).
    pub exports: Map<String, Value>,
    pub logs: Vec<String>,
    pub root: String,
}

/// State shared by the two services.
#[derive(Debug, Clone)]
pub struct Shared {
    pub recording: Arc<Mutex<Recording>>,
    pub schema: Arc<Value>,
    pub project: String,
    pub stack: String,
    pub region: String,
    /// Outputs returned for `pulumi:pulumi:StackReference` resources, by referenced stack name.
    pub references: Arc<Map<String, Value>>,
}

impl Shared {
    fn record(&self) -> std::sync::MutexGuard<'_, Recording> {
        self.recording
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The mock ResourceMonitor.
#[derive(Debug, Clone)]
pub struct Monitor(pub Shared);

/// The mock Engine.
#[derive(Debug, Clone)]
pub struct EngineService(pub Shared);

fn unimplemented<T>(what: &str) -> Result<Response<T>, Status> {
    Err(Status::unimplemented(format!(
        "the mock engine does not support {what}"
    )))
}

#[tonic::async_trait]
impl ResourceMonitor for Monitor {
    async fn supports_feature(
        &self,
        _request: Request<rpc::SupportsFeatureRequest>,
    ) -> Result<Response<rpc::SupportsFeatureResponse>, Status> {
        Ok(Response::new(rpc::SupportsFeatureResponse {
            has_support: false,
        }))
    }

    async fn invoke(
        &self,
        request: Request<rpc::ResourceInvokeRequest>,
    ) -> Result<Response<rpc::InvokeResponse>, Status> {
        unimplemented(&format!("invoke of {}", request.into_inner().tok))
    }

    async fn call(
        &self,
        _request: Request<rpc::ResourceCallRequest>,
    ) -> Result<Response<rpc::CallResponse>, Status> {
        unimplemented("call")
    }

    async fn read_resource(
        &self,
        request: Request<rpc::ReadResourceRequest>,
    ) -> Result<Response<rpc::ReadResourceResponse>, Status> {
        unimplemented(&format!("read of {}", request.into_inner().r#type))
    }

    async fn register_resource(
        &self,
        request: Request<rpc::RegisterResourceRequest>,
    ) -> Result<Response<rpc::RegisterResourceResponse>, Status> {
        let request = request.into_inner();
        let shared = &self.0;
        let urn = format!(
            "urn:pulumi:{}::{}::{}::{}",
            shared.stack, shared.project, request.r#type, request.name
        );
        let inputs = request
            .object
            .as_ref()
            .map(to_json)
            .unwrap_or_else(|| Value::Object(Map::new()));
        let input_map = inputs.as_object().cloned().unwrap_or_default();
        let outputs = if request.r#type == "pulumi:pulumi:StackReference" {
            let referenced = input_map
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let exported = shared.references.get(&referenced).cloned().ok_or_else(|| {
                Status::not_found(format!("no recorded outputs of stack {referenced}"))
            })?;
            Map::from_iter([
                ("name".to_owned(), Value::String(referenced)),
                ("outputs".to_owned(), exported),
                ("secretOutputNames".to_owned(), Value::Array(vec![])),
            ])
        } else {
            fakes::outputs(
                &shared.schema,
                &request.r#type,
                &request.name,
                &shared.region,
                &input_map,
            )
        };
        let id = if request.custom {
            fakes::fake_id(&request.r#type, &request.name)
        } else {
            String::new()
        };
        shared.record().resources.push(Registered {
            type_: request.r#type.clone(),
            name: request.name.clone(),
            urn: urn.clone(),
            custom: request.custom,
            parent: request.parent.clone(),
            inputs,
            dependencies: request.dependencies.clone(),
        });
        Ok(Response::new(rpc::RegisterResourceResponse {
            urn,
            id,
            object: Some(to_struct(&outputs)),
            ..Default::default()
        }))
    }

    async fn register_resource_outputs(
        &self,
        request: Request<rpc::RegisterResourceOutputsRequest>,
    ) -> Result<Response<()>, Status> {
        let request = request.into_inner();
        if let Some(Value::Object(outputs)) = request.outputs.as_ref().map(to_json) {
            let mut record = self.0.record();
            if request.urn.contains("::pulumi:pulumi:Stack::") {
                record.exports.extend(outputs);
            }
        }
        Ok(Response::new(()))
    }

    async fn register_stack_transform(
        &self,
        _request: Request<rpc::Callback>,
    ) -> Result<Response<()>, Status> {
        unimplemented("stack transforms")
    }

    async fn register_stack_invoke_transform(
        &self,
        _request: Request<rpc::Callback>,
    ) -> Result<Response<()>, Status> {
        unimplemented("invoke transforms")
    }

    async fn register_resource_hook(
        &self,
        _request: Request<rpc::RegisterResourceHookRequest>,
    ) -> Result<Response<()>, Status> {
        unimplemented("resource hooks")
    }

    async fn register_error_hook(
        &self,
        _request: Request<rpc::RegisterErrorHookRequest>,
    ) -> Result<Response<()>, Status> {
        unimplemented("error hooks")
    }

    async fn register_package(
        &self,
        request: Request<rpc::RegisterPackageRequest>,
    ) -> Result<Response<rpc::RegisterPackageResponse>, Status> {
        Ok(Response::new(rpc::RegisterPackageResponse {
            r#ref: format!("package-{}", request.into_inner().name),
        }))
    }

    async fn signal_and_wait_for_shutdown(
        &self,
        _request: Request<()>,
    ) -> Result<Response<()>, Status> {
        Ok(Response::new(()))
    }
}

#[tonic::async_trait]
impl Engine for EngineService {
    async fn log(&self, request: Request<rpc::LogRequest>) -> Result<Response<()>, Status> {
        self.0.record().logs.push(request.into_inner().message);
        Ok(Response::new(()))
    }

    async fn get_root_resource(
        &self,
        _request: Request<rpc::GetRootResourceRequest>,
    ) -> Result<Response<rpc::GetRootResourceResponse>, Status> {
        Ok(Response::new(rpc::GetRootResourceResponse {
            urn: self.0.record().root.clone(),
        }))
    }

    async fn set_root_resource(
        &self,
        request: Request<rpc::SetRootResourceRequest>,
    ) -> Result<Response<rpc::SetRootResourceResponse>, Status> {
        self.0.record().root = request.into_inner().urn;
        Ok(Response::new(rpc::SetRootResourceResponse {}))
    }

    async fn start_debugging(
        &self,
        _request: Request<rpc::StartDebuggingRequest>,
    ) -> Result<Response<()>, Status> {
        Ok(Response::new(()))
    }

    async fn require_pulumi_version(
        &self,
        _request: Request<rpc::RequirePulumiVersionRequest>,
    ) -> Result<Response<rpc::RequirePulumiVersionResponse>, Status> {
        Ok(Response::new(rpc::RequirePulumiVersionResponse {}))
    }
}
