//! VPC with DNS, the six subnets of the config over two AZs in three tiers, the IGW and the route tables.

use pulumi_gestalt_rust::{Context, Output};
use tradai_config::{Config, Layer, Tier};
use tradai_pulumi_aws::ec2;
use tradai_stack_kit::tags;

/// What the other foundation areas build on.
pub struct Network {
    pub vpc_id: Output<String>,
    pub public: Vec<Output<String>>,
    pub private: Vec<Output<String>>,
    pub database: Vec<Output<String>>,
    pub public_route_table: Output<String>,
    pub private_route_table: Output<String>,
    pub database_route_table: Output<String>,
}

/// Create the VPC, subnets, IGW and route tables (private routes are added by the NAT area).
pub fn network(ctx: &Context, config: &Config) -> Network {
    let names = config.names();
    let net = &config.settings().network;
    let tag = |component: &str| tags(config, Layer::Foundation, component);
    let vpc = ec2::vpc::create(
        ctx,
        &names.resource("vpc"),
        ec2::vpc::VpcArgs::builder()
            .cidr_block(net.vpc_cidr.clone())
            .enable_dns_hostnames(true)
            .enable_dns_support(true)
            .tags(tag("vpc"))
            .build_struct(),
    );
    let igw = ec2::internet_gateway::create(
        ctx,
        &names.resource("igw"),
        ec2::internet_gateway::InternetGatewayArgs::builder()
            .vpc_id(vpc.id.clone())
            .tags(tag("igw"))
            .build_struct(),
    );
    let route_table = |tier: &str| {
        let name = names.resource(&format!("{tier}-rt"));
        ec2::route_table::create(
            ctx,
            &name,
            ec2::route_table::RouteTableArgs::builder()
                .vpc_id(vpc.id.clone())
                .tags(tag(&format!("{tier}-rt")))
                .build_struct(),
        )
        .id
    };
    let public_rt = route_table("public");
    let private_rt = route_table("private");
    let database_rt = route_table("database");
    ec2::route::create(
        ctx,
        &names.resource("public-default-route"),
        ec2::route::RouteArgs::builder()
            .route_table_id(public_rt.clone())
            .destination_cidr_block("0.0.0.0/0")
            .gateway_id(igw.id)
            .build_struct(),
    );
    let mut network = Network {
        vpc_id: vpc.id.clone(),
        public: Vec::new(),
        private: Vec::new(),
        database: Vec::new(),
        public_route_table: public_rt,
        private_route_table: private_rt,
        database_route_table: database_rt,
    };
    for (key, subnet) in &net.subnets {
        let name = names.resource(key);
        let created = ec2::subnet::create(
            ctx,
            &name,
            ec2::subnet::SubnetArgs::builder()
                .vpc_id(vpc.id.clone())
                .cidr_block(subnet.cidr.clone())
                .availability_zone(subnet.availability_zone.clone())
                .map_public_ip_on_launch(false)
                .tags(tag(key))
                .build_struct(),
        );
        let (table, list) = match subnet.tier {
            Tier::Public => (network.public_route_table.clone(), &mut network.public),
            Tier::Private => (network.private_route_table.clone(), &mut network.private),
            Tier::Database => (network.database_route_table.clone(), &mut network.database),
        };
        ec2::route_table_association::create(
            ctx,
            &format!("{name}-rt"),
            ec2::route_table_association::RouteTableAssociationArgs::builder()
                .route_table_id(table)
                .subnet_id(created.id.clone())
                .build_struct(),
        );
        list.push(created.id);
    }
    network
}
