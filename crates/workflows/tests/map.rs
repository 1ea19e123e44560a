//! The distributed Map in the local interpreter: items from an S3 object, a child execution per item with
//! its selected input, at most `MaxConcurrency` at once, the tolerated share of failures, and the results
//! written where Step Functions' ResultWriter puts them. The integrations are an in-memory object store and
//! a child task that reads its input (pure logic: no service behind them).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{json, Value};
use tradai_workflows::local::{Integrations, Interpreter, TaskFailure};
use tradai_workflows::{
    validate, Catch, Condition, MapState, State, StateMachine, Transition, LAMBDA_INVOKE,
    S3_GET_OBJECT, S3_PUT_OBJECT,
};

#[derive(Default)]
struct Fake {
    objects: Mutex<BTreeMap<String, Value>>,
    running: AtomicUsize,
    most: AtomicUsize,
}

#[async_trait]
impl Integrations for Fake {
    async fn call(&self, resource: &str, p: Value) -> Result<Value, TaskFailure> {
        let key = format!(
            "{}/{}",
            p["Bucket"].as_str().unwrap_or(""),
            p["Key"].as_str().unwrap_or("")
        );
        match resource {
            S3_GET_OBJECT => {
                self.objects
                    .lock()
                    .expect("lock")
                    .get(&key)
                    .cloned()
                    .ok_or(TaskFailure {
                        error: "S3.NoSuchKey".into(),
                        cause: key,
                    })
            }
            S3_PUT_OBJECT => {
                self.objects
                    .lock()
                    .expect("lock")
                    .insert(key, p["Body"].clone());
                Ok(json!({}))
            }
            _ => {
                let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
                self.most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                self.running.fetch_sub(1, Ordering::SeqCst);
                if p["Payload"]["item"]["fail"] == json!(true) {
                    return Err(TaskFailure {
                        error: "TrialsFailed".into(),
                        cause: format!("item {}", p["Payload"]["index"]),
                    });
                }
                Ok(json!({"done": p["Payload"]["item"]["n"]}))
            }
        }
    }
}

fn machine(max_concurrency: u32, tolerated: u32) -> StateMachine {
    let processor = StateMachine::new("", "Work").state(
        "Work",
        State::Task {
            resource: LAMBDA_INVOKE.into(),
            parameters: json!({"FunctionName": "trials", "Payload.$": "$"}),
            result_selector: None,
            result_path: Some("$.result".into()),
            timeout_seconds: Some(5),
            retry: vec![],
            catch: vec![],
            transition: Transition::End,
        },
    );
    let map = MapState {
        reader: json!({"Bucket": "b", "Key.$": "States.Format('jobs/{}/items.json', $.job_id)"}),
        item_selector: Some(
            json!({"job_id.$": "$.job_id", "index.$": "$$.Map.Item.Index", "item.$": "$$.Map.Item.Value"}),
        ),
        processor,
        max_concurrency,
        tolerated_failure_percentage: tolerated,
        writer: json!({"Bucket": "b", "Prefix.$": "States.Format('jobs/{}/results', $.job_id)"}),
        result_path: Some("$.map".into()),
        catch: vec![Catch {
            errors: vec!["States.ALL".into()],
            result_path: "$.error".into(),
            next: "Failed".into(),
        }],
        transition: Transition::Next("Done".into()),
    };
    StateMachine::new("map", "Trials")
        .state("Trials", State::Map(Box::new(map)))
        .state("Done", State::Succeed)
        .state(
            "Failed",
            State::Fail {
                error: "TrialsFailed".into(),
                cause: "see $.error".into(),
            },
        )
}

async fn run(
    items: Value,
    max_concurrency: u32,
    tolerated: u32,
) -> (tradai_workflows::local::Execution, Fake) {
    let fake = Fake::default();
    fake.objects
        .lock()
        .expect("lock")
        .insert("b/jobs/j1/items.json".into(), items);
    let interpreter = Interpreter {
        integrations: &fake,
        delay_scale: 0.0,
        stop: None,
    };
    let execution = interpreter
        .run(
            &machine(max_concurrency, tolerated),
            "e1",
            json!({"job_id": "j1"}),
        )
        .await;
    (execution, fake)
}

fn items(n: usize, failing: &[usize]) -> Value {
    (0..n)
        .map(|i| json!({"n": i, "fail": failing.contains(&i)}))
        .collect()
}

#[tokio::test]
async fn each_item_runs_as_a_child_with_its_input_and_the_results_are_written_to_s3() {
    let (execution, fake) = run(items(5, &[]), 0, 0).await;
    assert!(execution.succeeded, "{execution:?}");
    let details = &execution.output["map"]["ResultWriterDetails"];
    assert_eq!(details["Bucket"], "b");
    let manifest_key = details["Key"].as_str().expect("key");
    assert!(
        manifest_key.starts_with("jobs/j1/results/") && manifest_key.ends_with("/manifest.json")
    );
    let objects = fake.objects.lock().expect("lock");
    let manifest = &objects[&format!("b/{manifest_key}")];
    let file = manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]
        .as_str()
        .expect("file");
    let records = objects[&format!("b/{file}")]
        .as_array()
        .expect("records")
        .clone();
    assert_eq!(records.len(), 5);
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r["Index"], i, "in item order");
        assert_eq!(r["Status"], "SUCCEEDED");
        let input: Value = serde_json::from_str(r["Input"].as_str().expect("input")).expect("json");
        assert_eq!(
            input,
            json!({"job_id": "j1", "index": i, "item": {"n": i, "fail": false}})
        );
        let output: Value =
            serde_json::from_str(r["Output"].as_str().expect("output")).expect("json");
        assert_eq!(output["result"]["done"], i);
    }
    assert_eq!(manifest["ResultFiles"]["FAILED"], json!([]));
}

#[tokio::test]
async fn at_most_max_concurrency_children_run_at_once() {
    let (execution, fake) = run(items(8, &[]), 3, 0).await;
    assert!(execution.succeeded);
    assert_eq!(fake.most.load(Ordering::SeqCst), 3);
    let (_, unbounded) = run(items(8, &[]), 0, 0).await;
    assert_eq!(unbounded.most.load(Ordering::SeqCst), 8, "0: no bound");
}

#[tokio::test]
async fn failures_within_the_tolerance_pass_and_beyond_it_fail_the_state() {
    let (execution, fake) = run(items(5, &[3]), 0, 20).await;
    assert!(execution.succeeded, "1 of 5 is 20 %: {execution:?}");
    let failed: Vec<Value> = fake
        .objects
        .lock()
        .expect("lock")
        .iter()
        .filter(|(k, _)| k.ends_with("/FAILED_0.json"))
        .map(|(_, v)| v.clone())
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0][0]["Index"], 3);
    assert_eq!(failed[0][0]["Error"], "TrialsFailed");

    let (execution, fake) = run(items(5, &[1, 3]), 0, 20).await;
    assert!(!execution.succeeded);
    assert_eq!(execution.visited, vec!["Trials", "Failed"]);
    assert_eq!(
        execution.output["error"]["Error"],
        "States.ExceedToleratedFailureThreshold"
    );
    assert!(
        fake.objects
            .lock()
            .expect("lock")
            .keys()
            .any(|k| k.ends_with("manifest.json")),
        "the results are written even when the state fails"
    );
}

#[tokio::test]
async fn an_item_reader_without_an_array_fails_the_state() {
    let (execution, _) = run(json!({"not": "an array"}), 0, 0).await;
    assert_eq!(
        execution.output["error"]["Error"],
        "States.ItemReaderFailed"
    );
}

#[test]
fn a_map_reads_back_as_written_and_its_processor_is_validated() {
    let machine = machine(4, 10);
    let document = machine.to_json();
    assert_eq!(
        document["States"]["Trials"]["ItemProcessor"]["ProcessorConfig"]["Mode"],
        "DISTRIBUTED"
    );
    assert_eq!(StateMachine::from_json(&document).expect("parses"), machine);
    assert!(validate(&machine).is_empty());
    assert!(machine.integrations().contains(&S3_GET_OBJECT));
    assert!(machine
        .parameter_values("FunctionName")
        .contains(&"trials".to_owned()));
    assert!(machine.starts_children());

    let mut broken = machine.clone();
    if let Some((_, State::Map(map))) = broken.states.first_mut() {
        map.processor.start_at = "Nowhere".into();
        map.tolerated_failure_percentage = 150;
    }
    let problems: Vec<String> = validate(&broken).iter().map(ToString::to_string).collect();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("item processor of Map state 'Trials'") && p.contains("Nowhere")),
        "{problems:?}"
    );
    assert!(problems.iter().any(|p| p.contains("150 %")), "{problems:?}");
}

#[tokio::test]
async fn a_counter_loop_runs_with_math_add_and_numeric_less_than_path() {
    let machine = StateMachine::new("loop", "Next")
        .state(
            "Next",
            State::Pass {
                parameters: Some(json!({"value.$": "States.MathAdd($.round.value, 1)"})),
                result_path: Some("$.round".into()),
                transition: Transition::Next("More".into()),
            },
        )
        .state(
            "More",
            State::Choice {
                rules: vec![(
                    Condition::NumericLessThanPath("$.round.value".into(), "$.rounds".into()),
                    "Next".into(),
                )],
                default: "Done".into(),
            },
        )
        .state("Done", State::Succeed);
    let fake = Fake::default();
    let interpreter = Interpreter {
        integrations: &fake,
        delay_scale: 0.0,
        stop: None,
    };
    let execution = interpreter
        .run(
            &machine,
            "loop",
            json!({"round": {"value": 0}, "rounds": 3}),
        )
        .await;
    assert!(execution.succeeded);
    assert_eq!(execution.output["round"]["value"], 3);
    assert_eq!(execution.visited.len(), 7);
}
