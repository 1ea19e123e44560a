//! JWT parsing: only the exact tokens the issuer signed verify; anything else, however close, is refused.

use tradai_fuzz::Target;
use tradai_service_kit::testing::{access_claims, JwksServer, Key};

#[test]
fn jwt() {
    let runtime = crate::runtime();
    let key = Key::new("fuzz-key");
    let server = runtime.block_on(JwksServer::start(vec![key.jwk()]));
    let verifier = server.verifier();
    let issuer = server.issuer();
    let signed = key.sign(&access_claims(&issuer));
    let mut expired = access_claims(&issuer);
    expired["exp"] = serde_json::json!(1);
    let target = Target::new("jwt")
        .seed(signed.clone())
        .seed(key.sign(&expired));
    target.run(|input| {
        let token = crate::text(input);
        match runtime.block_on(verifier.verify(&token)) {
            Ok(_) if token == signed => Ok(()),
            Ok(principal) => Err(format!("a changed token verified as {}", principal.subject)),
            Err(_) => Ok(()),
        }
    });
}
