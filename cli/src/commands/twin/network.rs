//! The planned network on the emulator: VPCs, subnets and security groups with their planned CIDRs, zones and
//! names, each planned id mapped to the emulator's. ECS places an `awsvpc` task's interface in the subnets and
//! security groups its `RunTask` names, so they must exist there as they do in AWS (decision W47).

use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};
use tradai_aws::Clients;

use super::cognito::Ids;
use super::graph::{Graph, Resource};
use super::provision::{ProvisionError, Provisioned};

const VPC: &str = "aws:ec2/vpc:Vpc";
const SUBNET: &str = "aws:ec2/subnet:Subnet";
const SECURITY_GROUP: &str = "aws:ec2/securityGroup:SecurityGroup";

/// The emulator's refusal of `r`, with the SDK's full error context.
fn refused<E: std::error::Error + 'static>(
    ty: &'static str,
    r: Resource<'_>,
) -> impl FnOnce(E) -> ProvisionError {
    let name = r.name().to_owned();
    move |e| ProvisionError::Refused {
        ty,
        name,
        message: aws_sdk_ec2::error::DisplayErrorContext(e).to_string(),
    }
}

/// `r` created as `id`: its planned id maps to it, and it counts.
fn created(ty: &'static str, r: Resource<'_>, id: Option<&str>, done: &mut Provisioned, ids: &mut Ids) {
    ids.insert(r.planned_id(), id.unwrap_or_default().to_owned());
    *done.entry(ty).or_default() += 1;
}

/// The real id of the planned id `field` of `r` names.
fn real(r: Resource<'_>, field: &str, ids: &Ids) -> Result<String, ProvisionError> {
    let planned = r.text(field)?;
    ids.get(planned).cloned().ok_or_else(|| {
        ProvisionError::Input(r.error(field, format!("is {planned}: no planned resource created before has that id")))
    })
}

fn named(ty: ResourceType, name: &str) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(ty)
        .tags(Tag::builder().key("Name").value(name).build())
        .build()
}

/// Create `graph`'s VPCs, subnets and security groups through `clients`, recording the real ids in `ids`.
pub async fn provision(
    clients: &Clients,
    graph: &Graph,
    done: &mut Provisioned,
    ids: &mut Ids,
) -> Result<(), ProvisionError> {
    let ec2 = tradai_aws::client!(aws_sdk_ec2, clients);
    for r in graph.of_type(VPC) {
        let answer = ec2
            .create_vpc()
            .cidr_block(r.text("cidrBlock")?)
            .tag_specifications(named(ResourceType::Vpc, r.name()))
            .send()
            .await
            .map_err(refused(VPC, r))?;
        created(VPC, r, answer.vpc().and_then(|v| v.vpc_id()), done, ids);
    }
    for r in graph.of_type(SUBNET) {
        let answer = ec2
            .create_subnet()
            .vpc_id(real(r, "vpcId", ids)?)
            .cidr_block(r.text("cidrBlock")?)
            .set_availability_zone(r.optional_text("availabilityZone")?.map(str::to_owned))
            .tag_specifications(named(ResourceType::Subnet, r.name()))
            .send()
            .await
            .map_err(refused(SUBNET, r))?;
        created(SUBNET, r, answer.subnet().and_then(|s| s.subnet_id()), done, ids);
    }
    for r in graph.of_type(SECURITY_GROUP) {
        let name = r.optional_text("name")?.unwrap_or(r.name());
        let answer = ec2
            .create_security_group()
            .group_name(name)
            .description(r.optional_text("description")?.unwrap_or("Managed by Pulumi"))
            .vpc_id(real(r, "vpcId", ids)?)
            .send()
            .await
            .map_err(refused(SECURITY_GROUP, r))?;
        created(SECURITY_GROUP, r, answer.group_id(), done, ids);
    }
    Ok(())
}
