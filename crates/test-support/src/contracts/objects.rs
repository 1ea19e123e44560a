//! Contract of the object-store port.

use std::collections::BTreeMap;

use tradai_domain::ports::{Expected, ObjectStore, StoredObject};
use tradai_domain::DomainError;

/// Round trip with content type and metadata, listing by prefix, deletion, missing objects, conditional puts.
pub async fn object_store(store: &dyn ObjectStore) {
    let metadata = BTreeMap::from([
        ("job-id".to_owned(), "j1".to_owned()),
        ("trace-id".to_owned(), "t1".to_owned()),
    ]);
    let result = StoredObject {
        body: br#"{"profit_total":0.12}"#.to_vec(),
        content_type: "application/json".into(),
        metadata,
    };
    store
        .put("backtests/j1/result.json", result.clone())
        .await
        .expect("put");
    store
        .put(
            "backtests/j2/result.json",
            StoredObject {
                metadata: BTreeMap::new(),
                ..result.clone()
            },
        )
        .await
        .expect("put");
    store
        .put(
            "configs/sma.yaml",
            StoredObject {
                body: b"a: 1".to_vec(),
                content_type: "application/yaml".into(),
                metadata: BTreeMap::new(),
            },
        )
        .await
        .expect("put");
    assert_eq!(
        store.get("backtests/j1/result.json").await.expect("get"),
        result,
        "body, type and metadata round-trip"
    );
    assert_eq!(
        store.list("backtests/").await.expect("list"),
        ["backtests/j1/result.json", "backtests/j2/result.json"]
    );
    store
        .delete("backtests/j1/result.json")
        .await
        .expect("delete");
    let missing = store
        .get("backtests/j1/result.json")
        .await
        .expect_err("deleted");
    assert!(matches!(missing, DomainError::NotFound { .. }), "{missing}");
    store
        .delete("never/there")
        .await
        .expect("deleting a missing object is fine");
    conditional_puts(store).await;
}

/// Conditional puts: create only when absent, replace only the version read.
async fn conditional_puts(store: &dyn ObjectStore) {
    let object = |body: &str| StoredObject {
        body: body.as_bytes().to_vec(),
        content_type: "text/plain".into(),
        metadata: BTreeMap::new(),
    };
    let key = "conditional/one.txt";
    assert!(store.get_versioned(key).await.expect("get").is_none());
    assert!(
        store
            .put_if(key, object("a"), &Expected::Absent)
            .await
            .expect("put"),
        "created when absent"
    );
    assert!(
        !store
            .put_if(key, object("b"), &Expected::Absent)
            .await
            .expect("put"),
        "not created twice"
    );
    let (read, version) = store.get_versioned(key).await.expect("get").expect("there");
    assert_eq!(read.body, b"a");
    store.put(key, object("c")).await.expect("another writer");
    assert!(
        !store
            .put_if(key, object("d"), &Expected::Version(version))
            .await
            .expect("put"),
        "a version that changed since the read is refused"
    );
    let (read, version) = store.get_versioned(key).await.expect("get").expect("there");
    assert_eq!(read.body, b"c", "the refused write changed nothing");
    assert!(
        store
            .put_if(key, object("e"), &Expected::Version(version))
            .await
            .expect("put"),
        "the version read is replaced"
    );
    assert_eq!(store.get(key).await.expect("get").body, b"e");
    store.delete(key).await.expect("delete");
}
