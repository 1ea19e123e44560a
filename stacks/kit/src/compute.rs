//! What the compute layer exports for the edge layer: the ALB and its listener, the cluster, the functions and
//! the state machines.

use std::collections::BTreeMap;

use pulumi_gestalt_rust::{Context, Output};
use tradai_config::{Config, Layer, ServiceKind};

use crate::layers::key;
use crate::Upstream;

/// Compute exports; keyed maps follow the config's keys.
pub struct ComputeOutputs {
    pub alb_arn: Output<String>,
    /// `app/<name>/<id>`, the `LoadBalancer` dimension of ALB metrics.
    pub alb_arn_suffix: Output<String>,
    pub alb_dns_name: Output<String>,
    pub https_listener_arn: Output<String>,
    pub cluster_name: Output<String>,
    pub cluster_arn: Output<String>,
    pub namespace_id: Output<String>,
    /// `targetgroup/<name>/<id>` of each service behind the ALB, the `TargetGroup` dimension of its metrics.
    pub target_group_arn_suffixes: BTreeMap<String, Output<String>>,
    pub function_arns: BTreeMap<String, Output<String>>,
    pub function_names: BTreeMap<String, Output<String>>,
    pub state_machine_arns: BTreeMap<String, Output<String>>,
}

impl std::fmt::Debug for ComputeOutputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComputeOutputs")
            .field("function_arns", &self.function_arns.keys())
            .field("state_machine_arns", &self.state_machine_arns.keys())
            .finish_non_exhaustive()
    }
}

const SCALARS: [&str; 7] = [
    "alb_arn",
    "alb_arn_suffix",
    "alb_dns_name",
    "https_listener_arn",
    "cluster_name",
    "cluster_arn",
    "namespace_id",
];

/// The services behind the ALB (always-on, with a port and ALB paths; the others are reached through Cloud Map).
pub fn served_services(config: &Config) -> Vec<String> {
    config
        .settings()
        .services
        .iter()
        .filter(|(_, s)| {
            s.kind == ServiceKind::AlwaysOn && s.port.is_some() && !s.alb_paths.is_empty()
        })
        .map(|(k, _)| k.clone())
        .collect()
}

/// The keyed maps of the exports, as (prefix, keys).
fn maps(config: &Config) -> [(&'static str, Vec<String>); 4] {
    let s = config.settings();
    [
        ("target_group_arn_suffix", served_services(config)),
        ("function_arn", s.lambdas.keys().cloned().collect()),
        ("function_name", s.lambdas.keys().cloned().collect()),
        ("state_machine_arn", s.workflows.keys().cloned().collect()),
    ]
}

impl ComputeOutputs {
    /// Every export key for `config`.
    pub fn keys(config: &Config) -> Vec<String> {
        let mut keys: Vec<String> = SCALARS.iter().map(|k| (*k).to_owned()).collect();
        for (prefix, names) in maps(config) {
            keys.extend(names.iter().map(|n| key(prefix, n)));
        }
        keys
    }

    fn scalars(&self) -> [&Output<String>; 7] {
        [
            &self.alb_arn,
            &self.alb_arn_suffix,
            &self.alb_dns_name,
            &self.https_listener_arn,
            &self.cluster_name,
            &self.cluster_arn,
            &self.namespace_id,
        ]
    }

    /// Export every field.
    pub fn export(&self, ctx: &Context) {
        for (name, value) in SCALARS.iter().zip(self.scalars()) {
            ctx.add_export(name, value);
        }
        for (prefix, map) in [
            ("target_group_arn_suffix", &self.target_group_arn_suffixes),
            ("function_arn", &self.function_arns),
            ("function_name", &self.function_names),
            ("state_machine_arn", &self.state_machine_arns),
        ] {
            for (name, value) in map {
                ctx.add_export(&key(prefix, name), value);
            }
        }
    }

    /// Every value, once known.
    pub fn values(&self, ctx: &Context) -> Output<crate::ComputeValues> {
        let maps = [
            &self.target_group_arn_suffixes,
            &self.function_arns,
            &self.function_names,
            &self.state_machine_arns,
        ];
        let keys: Vec<Vec<String>> = maps.iter().map(|m| m.keys().cloned().collect()).collect();
        let mut outputs: Vec<&Output<String>> = self.scalars().to_vec();
        outputs.extend(maps.iter().flat_map(|m| m.values()));
        crate::gather(ctx, &outputs, move |g| crate::ComputeValues {
            alb_arn: g.value(),
            alb_arn_suffix: g.value(),
            alb_dns_name: g.value(),
            https_listener_arn: g.value(),
            cluster_name: g.value(),
            cluster_arn: g.value(),
            namespace_id: g.value(),
            target_group_arn_suffixes: g.map(&keys[0]),
            function_arns: g.map(&keys[1]),
            function_names: g.map(&keys[2]),
            state_machine_arns: g.map(&keys[3]),
        })
    }

    /// Read the compute layer of this environment through its StackReference.
    pub fn read(ctx: &Context, config: &Config) -> Self {
        let upstream = Upstream::read(ctx, config, Layer::Compute);
        let [groups, arns, names, machines] = maps(config).map(|(prefix, keys)| {
            keys.into_iter()
                .map(|k| {
                    let value = upstream.get(&key(prefix, &k));
                    (k, value)
                })
                .collect::<BTreeMap<_, _>>()
        });
        ComputeOutputs {
            alb_arn: upstream.get("alb_arn"),
            alb_arn_suffix: upstream.get("alb_arn_suffix"),
            alb_dns_name: upstream.get("alb_dns_name"),
            https_listener_arn: upstream.get("https_listener_arn"),
            cluster_name: upstream.get("cluster_name"),
            cluster_arn: upstream.get("cluster_arn"),
            namespace_id: upstream.get("namespace_id"),
            target_group_arn_suffixes: groups,
            function_arns: arns,
            function_names: names,
            state_machine_arns: machines,
        }
    }
}
