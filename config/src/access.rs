//! The AWS actions each adapter of `tradai-aws` performs, as data: the adapter names its declaration
//! (`DynamoRecordStore::ACCESS`, …), the emulator tests record every call an adapter makes and fail on one its
//! declaration lacks, and `tradai infra check` (rule `permissions`) checks that the role of every compute that
//! runs the adapter allows each action on the resources the compute binds it to.

/// The part of a resource an action applies to (its IAM resource type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// A DynamoDB table (`table/<name>`).
    Table,
    /// Each global secondary index of the table (`table/<name>/index/<index>`).
    Indexes,
    /// An S3 bucket (`arn:aws:s3:::<name>`).
    Bucket,
    /// Any object of the bucket (`arn:aws:s3:::<name>/<key>`).
    Objects,
    /// An SQS queue.
    Queue,
    /// An SNS topic.
    Topic,
    /// A Step Functions state machine.
    StateMachine,
    /// Any execution of the state machine.
    Executions,
    /// A Secrets Manager secret.
    Secret,
    /// Any task of the ECS cluster (`task/<cluster>/<id>`).
    Tasks,
    /// Any stream of the CloudWatch Logs group.
    LogStreams,
    /// The EC2 route table.
    RouteTable,
    /// The Auto Scaling group.
    AutoScalingGroup,
    /// No resource: the action has no resource-level permissions (IAM requires `*`).
    Unscoped,
}

/// Actions on one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Grant {
    pub actions: &'static [&'static str],
    pub on: Target,
}

/// Everything one adapter calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Access {
    /// The adapter, for messages (`DynamoRecordStore`).
    pub adapter: &'static str,
    pub grants: &'static [Grant],
}

impl Access {
    /// Every action of the declaration.
    pub fn actions(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.grants.iter().flat_map(|g| g.actions.iter().copied())
    }
}

/// `tradai_aws::DynamoRecordStore`: items by key, conditional writes, queries on the table and its indexes.
pub const RECORD_STORE: Access = Access {
    adapter: "DynamoRecordStore",
    grants: &[
        Grant {
            actions: &[
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:Query",
            ],
            on: Target::Table,
        },
        Grant {
            actions: &["dynamodb:Query"],
            on: Target::Indexes,
        },
    ],
};

/// `tradai_aws::S3ObjectStore`: objects read, written, deleted and listed by prefix.
pub const OBJECT_STORE: Access = Access {
    adapter: "S3ObjectStore",
    grants: &[
        Grant {
            actions: &["s3:ListBucket"],
            on: Target::Bucket,
        },
        Grant {
            actions: &["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            on: Target::Objects,
        },
    ],
};

/// `tradai_aws::SqsQueue` as a producer (`JobQueue::send`).
pub const QUEUE_SEND: Access = Access {
    adapter: "SqsQueue (send)",
    grants: &[Grant {
        actions: &["sqs:SendMessage"],
        on: Target::Queue,
    }],
};

/// `tradai_aws::SqsQueue` as a consumer (`JobQueue::receive`, `delete`, `change_visibility`).
pub const QUEUE_CONSUME: Access = Access {
    adapter: "SqsQueue (consume)",
    grants: &[Grant {
        actions: &[
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:ChangeMessageVisibility",
        ],
        on: Target::Queue,
    }],
};

/// `tradai_aws::SqsQueue::lookup`: the queue's URL from its name, then [`QUEUE_SEND`] or [`QUEUE_CONSUME`].
pub const QUEUE_LOOKUP: Access = Access {
    adapter: "SqsQueue::lookup",
    grants: &[Grant {
        actions: &["sqs:GetQueueUrl"],
        on: Target::Queue,
    }],
};

/// What the Lambda service does with a function's role to deliver a queue's messages (an SQS event source
/// mapping).
pub const QUEUE_TRIGGER: Access = Access {
    adapter: "the SQS event source mapping",
    grants: &[Grant {
        actions: &[
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:ChangeMessageVisibility",
            "sqs:GetQueueAttributes",
        ],
        on: Target::Queue,
    }],
};

/// `tradai_aws::SnsNotifier`.
pub const NOTIFIER: Access = Access {
    adapter: "SnsNotifier",
    grants: &[Grant {
        actions: &["sns:Publish"],
        on: Target::Topic,
    }],
};

/// `tradai_aws::SfnWorkflows`: executions started, watched and stopped.
pub const WORKFLOWS: Access = Access {
    adapter: "SfnWorkflows",
    grants: &[
        Grant {
            actions: &["states:StartExecution"],
            on: Target::StateMachine,
        },
        Grant {
            actions: &["states:DescribeExecution", "states:StopExecution"],
            on: Target::Executions,
        },
    ],
};

/// `tradai_aws::EcsTaskRunner` on its cluster (running a task needs `ecs:RunTask` on the task definition and
/// `iam:PassRole` on its roles, which the stacks grant per family).
pub const TASK_RUNNER: Access = Access {
    adapter: "EcsTaskRunner",
    grants: &[
        Grant {
            // RunTask with tags needs ecs:TagResource on the new task.
            actions: &["ecs:DescribeTasks", "ecs:StopTask", "ecs:TagResource"],
            on: Target::Tasks,
        },
        Grant {
            // ListTasks is scoped by the `ecs:cluster` condition, not by resource.
            actions: &["ecs:ListTasks"],
            on: Target::Unscoped,
        },
    ],
};

/// `tradai_aws::EcsTaskRunner` starting a task: `ecs:RunTask` on the task definition (and `iam:PassRole` on
/// its roles). The stacks grant it per task family (`Arns::run_strategy_tasks`); the `permissions` rule does
/// not bind it, since the families a runner starts are chosen per call.
pub const TASK_LAUNCH: Access = Access {
    adapter: "EcsTaskRunner (launch)",
    grants: &[Grant {
        actions: &["ecs:RunTask"],
        on: Target::Unscoped,
    }],
};

/// `tradai_aws::CloudWatchLogs`: a task's log stream read.
pub const LOG_READER: Access = Access {
    adapter: "CloudWatchLogs",
    grants: &[Grant {
        actions: &["logs:GetLogEvents"],
        on: Target::LogStreams,
    }],
};

/// `tradai_aws::secret_string`.
pub const SECRETS: Access = Access {
    adapter: "secret_string",
    grants: &[Grant {
        actions: &["secretsmanager:GetSecretValue"],
        on: Target::Secret,
    }],
};

/// `tradai_aws::Ec2NatRouting` on the private route table: the default route written through the instance.
pub const NAT_ROUTES: Access = Access {
    adapter: "Ec2NatRouting (routes)",
    grants: &[
        Grant {
            actions: &["ec2:CreateRoute", "ec2:ReplaceRoute"],
            on: Target::RouteTable,
        },
        Grant {
            actions: &["ec2:DescribeRouteTables"],
            on: Target::Unscoped,
        },
    ],
};

/// `tradai_aws::Ec2NatRouting` on the NAT instance's group: its instances read, a launch completed.
pub const NAT_LIFECYCLE: Access = Access {
    adapter: "Ec2NatRouting (lifecycle)",
    grants: &[
        Grant {
            actions: &["autoscaling:CompleteLifecycleAction"],
            on: Target::AutoScalingGroup,
        },
        Grant {
            actions: &["autoscaling:DescribeAutoScalingGroups"],
            on: Target::Unscoped,
        },
    ],
};

/// One adapter bound to one resource of the deployment by the compute that runs it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Use {
    pub access: &'static Access,
    /// The Pulumi type of the resource (`aws:dynamodb/table:Table`).
    pub resource_type: &'static str,
    /// Its physical name (`tradai-workflow-state-dev`; the queue's name with `.fifo`).
    pub name: String,
}

/// The Pulumi types of the resources adapters are bound to.
pub mod types {
    pub const TABLE: &str = "aws:dynamodb/table:Table";
    pub const BUCKET: &str = "aws:s3/bucket:Bucket";
    pub const QUEUE: &str = "aws:sqs/queue:Queue";
    pub const TOPIC: &str = "aws:sns/topic:Topic";
    pub const STATE_MACHINE: &str = "aws:sfn/stateMachine:StateMachine";
    pub const SECRET: &str = "aws:secretsmanager/secret:Secret";
    pub const CLUSTER: &str = "aws:ecs/cluster:Cluster";
    pub const LOG_GROUP: &str = "aws:cloudwatch/logGroup:LogGroup";
    pub const ROUTE_TABLE: &str = "aws:ec2/routeTable:RouteTable";
    pub const AUTOSCALING_GROUP: &str = "aws:autoscaling/group:Group";
}

/// Whether `action` is read-only by its verb (`Get…`, `Describe…`, `List…`, `Head…`, `Discover…`, `Query`,
/// `Scan`; API Gateway's `GET`).
pub fn is_read_only(action: &str) -> bool {
    let verb = action
        .split(':')
        .nth(1)
        .unwrap_or(action)
        .to_ascii_lowercase();
    [
        "get", "describe", "list", "head", "discover", "query", "scan", "batchget",
    ]
    .iter()
    .any(|p| verb.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_told_from_writes_by_their_verb() {
        assert!(is_read_only("ec2:DescribeRouteTables"));
        assert!(is_read_only("ecs:ListTasks"));
        assert!(is_read_only("ecs:Describe*"));
        assert!(!is_read_only("ec2:ReplaceRoute"));
        assert!(!is_read_only("cloudwatch:PutMetricData"));
        assert!(is_read_only("apigateway:GET"));
        assert!(!is_read_only("apigateway:POST"));
        assert_eq!(NAT_ROUTES.actions().filter(|a| !is_read_only(a)).count(), 2);
    }
}
