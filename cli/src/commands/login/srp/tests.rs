//! Cognito SRP against known answers and against the server's side of the protocol.
//!
//! The vectors below come from pycognito 2024.5.1 (`pycognito.aws_srp.AWSSRP`, PyPI), an independent
//! implementation of the same client, run offline once in a throwaway venv: `AWSSRP(username, password, pool_id,
//! client_id, pool_region="eu-central-1")` (no call is made), then `small_a_value` set to the vector's `small_a`
//! and `large_a_value = calculate_a()`; `srp_a` is `get_auth_params()["SRP_A"]`, `u` is
//! `aws_srp.calculate_u(A, B)`, `key` is `get_password_authentication_key(user_id_for_srp, password, B, salt)`, and
//! `signature` is `process_challenge(...)["PASSWORD_CLAIM_SIGNATURE"]` with `datetime.utcnow()` patched to
//! 2026-03-01 08:05:09 (its `TIMESTAMP` was [`TIMESTAMP`]). The inputs (a, B, the salt, the secret block) were
//! drawn once from `os.urandom`/`uuid4` and are fixed here. k, the same for every vector, is pycognito's `val_k`.

use super::*;

/// The `TIMESTAMP` pycognito signed the vectors at.
const TIMESTAMP: &str = "Sun Mar 1 08:05:09 UTC 2026";

/// k = H(pad(N) | pad(2)) as pycognito computes it.
const K: &str = "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6";

/// One sign-in: the inputs, and pycognito's answers.
struct Vector {
    pool_id: &'static str,
    user_id_for_srp: &'static str,
    password: &'static str,
    /// The private value a.
    small_a: &'static str,
    srp_b: &'static str,
    salt: &'static str,
    secret_block: &'static str,
    /// A = g^a mod N, as sent in `SRP_A`.
    srp_a: &'static str,
    /// u = H(pad(A) | pad(B)).
    u: &'static str,
    /// The HKDF key, hex.
    key: &'static str,
    /// `PASSWORD_CLAIM_SIGNATURE` at [`TIMESTAMP`].
    signature: &'static str,
}

impl Vector {
    fn client(&self) -> Srp {
        Srp::with_secret(hex(self.small_a))
    }

    fn pool(&self) -> UserPoolId {
        UserPoolId::parse(self.pool_id).expect("pool id")
    }

    fn challenge(&self) -> PasswordVerifier {
        PasswordVerifier {
            srp_b: self.srp_b.to_owned(),
            salt: self.salt.to_owned(),
            secret_block: self.secret_block.to_owned(),
            user_id_for_srp: self.user_id_for_srp.to_owned(),
            username: None,
        }
    }
}

fn hex(text: &str) -> BigUint {
    BigUint::parse_bytes(text.as_bytes(), 16).expect("hex")
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Shaped like Cognito's challenge: a 3072-bit B with its top bit set, a base64 secret block, an email pool's
/// internal user id.
const COGNITO: Vector = Vector {
    pool_id: "eu-central-1_Xq3TzLm9P",
    user_id_for_srp: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    password: "Correct-Horse-9!",
    small_a: concat!(
        "bbe0e7df0fd5bc094453cb64768aa14884c5e76f38fb58fbaf1b4864e7d0f70f03465d37a4bde71b762bf7be",
        "b0ec3022af7f3c3f149d98d73cdd890aa8aaa70ce2248c672643d56ef31dee2b5f9a85c6f00f9d660ae46c12",
        "e70a9b8d937a1d15687285cc5749d9ecee3f8c40c6eaaeec4a10f4b0904ac6304a6f365279b317a6",
    ),
    srp_b: concat!(
        "d563bb96098c9e146aec687ce3890c7ca4e7b0604a359a979cf8804e349ddb6cd1755e2b2220b7dbba648c32",
        "f2999279318f70e1f7b9ae90e838fae5c74df0d7fb873f3664e7725cc78504bef41ed929f0d017887849833c",
        "aa100902a31fc0d2eb12fd269ce0dc1ff5a7ce2439963b784a43fda74aa191180a818dfbc2e067d99cca5b4f",
        "e1f3eb83884b089a55bc6e055fb1f981b58804fbedc843d33389280653d8e7cd173409424c3b6f7ff2766d24",
        "3b5401a71ebd29fc4c4effbfd784e029a6fe121c4279b57bd0f2ee844111a893a5d2f9a8e1074a841d3dbc3f",
        "555fbb44e733044fb2b3aaa1bc36c59c0b269f635403345fa79ae3a9edca9dc69fe327e1570102a13fce6c68",
        "7c0e9b7371429748c7d1c19057f93abfaa01387a97a61a2c7a80b795603aab0bf6c5393890d294e7da6a1fcd",
        "3f3f6efe9c9b0418b470e2eb9d9ec37900eb47e6da84dc177e47e31980fe451602785ea2d90e6feee14c8e88",
        "bb476cf31b8b3d34f07826079d6c8ef20bdd10e05a24611d667aa6e9589d20b0",
    ),
    salt: "5ce162cc1ac40123ae5950cebec7ad21",
    secret_block: concat!(
        "+J7xjgoQ7oqMoxktg3/bhDkHdJv0V6VjyOJblWWkA6wGXBhRf5+Gqei8Uc1C4vVwEoXiV0QMKbwG62WGrfzVKvaj",
        "RVipilAmyfUbxVugzEjbc1ZX4sIWfsQa/PHuurFC",
    ),
    srp_a: concat!(
        "ee88acaa3838694b42dc104c4e6a8ef590eae5584c4aa99d4778cf43d8d300f04949aa5c8cff1e65d9f9c84e",
        "0d7995d1a9d3f35bff160b7463e635dfd0b7d0bf2b4a4e1fe82c5fa394c0b189bf44f4fdbdadf5c0c9fdafa9",
        "fba85b850bd9d2c4edf1d5a335da8f020de10954d27b471a5a63d5617340135414605558dc4e728a507b84a4",
        "76e3c482d3740a0968b47f1ba580afaa3f2210fe21f58ab16cc73be6421e5b841725d9b2689842b4c4e78a20",
        "eaa4ae1d5158e7efb9325279d51fe7fcda4704a1554e83de2e1c9ec51810825ea40256bcc5f4b08e00212b49",
        "2b1a5cb70a167da00e9c78468f7bc99898059292e00df9125b476d6416549421bd59a0fc2e94ae0faa6cd50b",
        "b1510f825f3bf98e14d54f5d96d98f4978885a530e5709a07f0678bd50ee8bc9c640b158fd3697cc7ff5c149",
        "096a355460d473e49ba3332541802847459e34bc49b0437a0feb55c252d8a607917de9594109fe5ae3a89a0d",
        "76aa33bdd812c9b352b5a920bb5fea42c6d8b06a556d43bd9dc4369c55ca0765",
    ),
    u: "6d60c7ae3d34ceddfc09773f9a39605cd7097ca18ca8ae1c1ee5c916a63f479c",
    key: "40b479e6451d9a71f863ae3f5a809c48",
    signature: "9jUC+2lVx2tYYP9k3f888IlnVwwe4iUAsFpJlv0fnP0=",
};

/// Shaped like moto's challenge: B and the salt are 128-bit hex, the secret block is a UUID (Python's base64
/// decoder skips its dashes), a non-ASCII password.
const MOTO: Vector = Vector {
    pool_id: "us-east-1_0c2a4e6f8b1d4f3a9e7c5b2d0f1e3a5c",
    user_id_for_srp: "41ad5769-4631-4713-857f-1268e968d4a7",
    password: "pässwörd € 9!",
    small_a: concat!(
        "17bc14d8793fd451d34f53369cb0ad6b2cab789ac32a79379f83c714c3169c5942932959809f819c96c5c14c",
        "aa35b499a30db1b8cd2f76f09052b9926edb6310b1ea8a3fc4e07fdd9fb405e36c92ff21f0e0436699d7b524",
        "cf94ca3147bd5fe1975bc15a3b6b175c6fc36cb03a17a7bee927cf608d19b55c7f550c759c986a7a",
    ),
    srp_b: "6be996c1917e48a7b44e040c62607677",
    salt: "1e8ca3775f444816b7cc064183ad7e31",
    secret_block: "e467a3fc-4ac4-486c-aa59-b70bf2b1a361",
    srp_a: concat!(
        "6e225eee4d90672605404c71f7b72fa1d00c40de41fb4ad9f5cb83d1167b87ead7fad9ba48ec29143f4adc32",
        "d7d4ca9da4e1e5174e8382cf4c8f3759ba2ecc3bee033ae30f726978669d3bbcfb3eb827265f5803d6ce170c",
        "eb51d2c61d04cd6653ee45f4c19216921e6b52f328588a8ea5e71815c6193c2324d58219516350f810c2a9b6",
        "5ea0345f1550ab0d2350aecc6d35db12201f43c1be8663bfa5503403171c6decf2cdd66b4a525a6b3f2bf853",
        "3683a235a7e0bb4221d67e6f14c80417c56c4cf3b2ebc524ac228a0344ff46114111f83814871ad14a21262a",
        "8246314260370e643d01948c61966156546ff528aed68621deffda049f2dada866a865f93d600d4fa03f40c4",
        "9e787108cab30cf64f30628ce45fad3110440359338757646258f6ff760836b93e8fe263e939ab5eb274666a",
        "a30f216454615bd313afa8e4afb93089a15ce153236d472db7bc7f0aebbe3c1acac71dd4f0392b4cb82ca16c",
        "b74d7c28d210aaa6cf5b1acfbbe4f15f3dfb4c2cb1c5a8e5b9d5488579645f3d",
    ),
    u: "18d967753decda06af14a00bf4d9a0828911cdaceb8d4eecfd39bead8a581a30",
    key: "798541a82a26872d3a86573047bc6daa",
    signature: "xO2iF3b8s2wEIqXhOsGfkWSKgqU+wNbr8K8OGYYjIDo=",
};

/// Chosen for the padding rule: A has an odd number of hex digits, u, S and the salt have their top bit set.
const PADDING: Vector = Vector {
    pool_id: "ap-southeast-2_Ab9",
    user_id_for_srp: "quant",
    password: "Correct-Horse-9!",
    small_a: concat!(
        "fa7b6469befe937600b8987f4cfa5e509b7eab21eea35d406000397f4e8c91bbe3274cf078701cc4649a2db1",
        "816c8d247d0b0c2dc49244f186f70aed08fdadd5db6c0fc9f2414527dbb1b443b0ea5e0998b38a918c7dedfa",
        "00f0a3c9dbffbbc52d665c93672b025cb6eecbaa697142516c83796f995b1bc33102223d1eca905d",
    ),
    srp_b: concat!(
        "f50192aa113f1daa5ed224d66b80a918102d07dc87c91ff09be28d62f4921c22ad9419e23bc83a6c6b9ba06c",
        "d8d3a8605aa8ff12cd423f4747344baf1be9428572eee1759672d75de83f72a463b0b51c78482f2b180c3b68",
        "c3f86973e16b6b8e6af2056ecda2b97fdce4c8bf2f3b1509bc2f00d362a9c1e3b00b0688cdb7e3d310a9146e",
        "afd47c6d2a4627cc5ea47b8bc56f94295455cae3155cf4984d2034b9c4e4e09b4f2f4bfc016fd5ee7ccd42bf",
        "f353e2132f9a70f992894c751218757bbfcc2a517129b2df6ab66cb95b172e499eaea5eaa76db949094883f3",
        "c0348820628b39afea20eb06f12fe7199caf6c1ef7eb0150c2c0fba65189410c1f307f3c495a55b126c53cc2",
        "ed060cdb588515438c08ae7314149e473350d3228aa51ab8a6c7a1eded62f110e324b4fe62ee9550e9174e8c",
        "0bd745bec3d73e11d288f805bb749c142fcc5710bcada8825c9a69b52388b1777c4221ee669520733d088cac",
        "2aec32aec1192958b30840293ad6314ecd9d67270a7a7d3a0b1ad839c6154558",
    ),
    salt: "91ae5e390668fac33f11b06ee003490f",
    secret_block: concat!(
        "/OuAVTcp1RxbkIES7WQF6/Zm7FjnW2Xm9xJ0jeUungsyiZBMmRT/2bqfWnBUpUTKOKA3t4MxKO43XdxmM6rEDb9g",
        "VPcfOzXzS3NEhJlvg6/W236Daz7mId+lRy6l/hOfEv4gXS7OrmGTAalvljVA1hqgpOIKYWxUWf6yMlJcrc8uoKSj",
        "a3uhDjjzQ2rIg69cs53l85C/2emvobtZWb4Umxoy2UWvUP60cwzp43id7bt6xyC/eGc3IJHzKnHhU/l/ao8Tefmw",
        "z5Q=",
    ),
    srp_a: concat!(
        "bbda6c2db3c63870845bccce4e8220614f5f4655b1acb12ad0dec5ef747b5675e5a8853cca515eb2c26d0e10",
        "a76875de3feb1a55e3884d9595c8905984106bc8b54651aa4d17125c46087ea65c1f0424a2fa48de9a01df45",
        "41c865f35e1b6a3bbefe1132d4b1f5e3bde3d1a24a8eb5bfb8d70a8c7d3912c637b3bc1497e5a4d69c5fb522",
        "15ce29062cd9796e2b59c02f71923403377dd7b12801745ef7c6290300136fc517914f7e3d5d8906228b029d",
        "61feda8b758dd9b53b960d81396e23fda89f99414caaeca6e60ff6325813bdc67b15bf2a020d201ae06ca6c2",
        "7e7b6b27de44068248f319abb1dce041c47e01f4d4c83ea4a014fee442d260edfc93a7bd5c3344b79237462d",
        "c9b242d3ac2733c29d8674951b35b452f8712d841e5db3ceb7253083a853acf5e036d41ee108db24c1892058",
        "aea4480ee407cd3df50edfe2977019b55d2365a7d7da59efb26319da2c6e6128b0629a2306a9eae5233162fb",
        "545f4175e5cf25d62d6a32af30513821c84222a4e4540cd6195a6ecc38cf0d7",
    ),
    u: "ef9c78003666a1964257a294aa67ef1897ba0a84c7a14f00d3b3b6e55028b5c9",
    key: "8bd28ce1702426b14699da04f584d10c",
    signature: "5InbSuIyj7m66H5cHXJVbmNwvETMXolvMns8qNaam5Y=",
};

/// The three vectors, by name.
const VECTORS: [(&str, Vector); 3] = [("cognito", COGNITO), ("moto", MOTO), ("padding", PADDING)];

/// k is the hash of the padded group, as pycognito has it; N is the 3072-bit prime.
#[test]
fn multiplier_and_group_match_pycognito() {
    assert_eq!(modulus().bits(), 3072);
    assert_eq!(multiplier(), hex(K));
}

/// A, u, the key and the signature are pycognito's for every vector.
#[test]
fn matches_pycognito_step_by_step() -> anyhow::Result<()> {
    for (name, v) in VECTORS {
        let client = v.client();
        assert_eq!(client.public_a(), v.srp_a, "{name}: SRP_A");
        assert_eq!(
            scrambler(&client.big_a, &hex(v.srp_b)),
            hex(v.u),
            "{name}: u"
        );
        let key = client.password_key(&v.pool(), &v.challenge(), v.password)?;
        assert_eq!(to_hex(&key), v.key, "{name}: HKDF key");
        let signature = client.password_claim(&v.pool(), &v.challenge(), v.password, TIMESTAMP)?;
        assert_eq!(signature, v.signature, "{name}: PASSWORD_CLAIM_SIGNATURE");
    }
    Ok(())
}

/// Every signed input changes the signature: the password, the pool, the user, the secret block, the time.
#[test]
fn the_signature_depends_on_every_input() -> anyhow::Result<()> {
    let v = COGNITO;
    let client = v.client();
    let sign = |pool: &str, challenge: &PasswordVerifier, password: &str, at: &str| {
        client.password_claim(&UserPoolId::parse(pool)?, challenge, password, at)
    };
    let mut other_user = v.challenge();
    other_user.user_id_for_srp.push('x');
    let mut other_block = v.challenge();
    other_block.secret_block = STANDARD.encode(b"another block");
    for changed in [
        sign(v.pool_id, &v.challenge(), "Correct-Horse-8!", TIMESTAMP)?,
        sign(
            "eu-central-1_Xq3TzLm9Q",
            &v.challenge(),
            v.password,
            TIMESTAMP,
        )?,
        sign(v.pool_id, &other_user, v.password, TIMESTAMP)?,
        sign(v.pool_id, &other_block, v.password, TIMESTAMP)?,
        sign(
            v.pool_id,
            &v.challenge(),
            v.password,
            "Sun Mar 1 08:05:10 UTC 2026",
        )?,
    ] {
        assert_ne!(changed, v.signature);
    }
    Ok(())
}

/// The server's half of SRP-6a (B = k·v + g^b, S = (A·v^u)^b) reaches the client's key only when the client
/// knows the password the verifier was made from: the claim verifies with the right one and not a wrong one.
#[test]
fn a_server_holding_the_verifier_accepts_only_the_right_password() -> anyhow::Result<()> {
    let n = modulus();
    let g = BigUint::from(G);
    let pool = UserPoolId::parse("eu-central-1_Xq3TzLm9P")?;
    let user = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    let salt = hex("c4a1f03e9b27d85f6e0d4c3b2a190817");
    let block = b"the server's opaque secret block".to_vec();
    let verifier = g.modpow(&private_key(&pool, user, "Correct-Horse-9!", &salt), &n);
    let b = hex(&"3f5a9c2e".repeat(32));
    let big_b = (multiplier() * &verifier + g.modpow(&b, &n)) % &n;
    let challenge = PasswordVerifier {
        srp_b: big_b.to_str_radix(16),
        salt: salt.to_str_radix(16),
        secret_block: STANDARD.encode(&block),
        user_id_for_srp: user.to_owned(),
        username: None,
    };
    let client = Srp::new();
    // What the server expects, from its own S.
    let u = scrambler(&client.big_a, &big_b);
    let s = (&client.big_a * verifier.modpow(&u, &n) % &n).modpow(&b, &n);
    let mut key = [0u8; 16];
    Hkdf::<Sha256>::new(Some(&pad(&u)), &pad(&s))
        .expand(b"Caldera Derived Key", &mut key)
        .map_err(|e| anyhow!("{e}"))?;
    let mut mac = <Hmac<Sha256>>::new_from_slice(&key).map_err(|e| anyhow!("{e}"))?;
    mac.update(b"Xq3TzLm9P");
    mac.update(user.as_bytes());
    mac.update(&block);
    mac.update(TIMESTAMP.as_bytes());
    let expected = STANDARD.encode(mac.finalize().into_bytes());

    let right = client.password_claim(&pool, &challenge, "Correct-Horse-9!", TIMESTAMP)?;
    let wrong = client.password_claim(&pool, &challenge, "Correct-Horse-9?", TIMESTAMP)?;
    assert_eq!(right, expected);
    assert_ne!(wrong, expected);
    Ok(())
}

/// A B that is 0 mod N would make S predictable: the challenge is refused, naming SRP_B.
#[test]
fn refuses_a_b_that_is_a_multiple_of_n() {
    for b in [
        "0".to_owned(),
        modulus().to_str_radix(16),
        (modulus() * 2u32).to_str_radix(16),
    ] {
        let mut challenge = COGNITO.challenge();
        challenge.srp_b = b;
        let refused = COGNITO
            .client()
            .password_claim(&COGNITO.pool(), &challenge, COGNITO.password, TIMESTAMP)
            .expect_err("B = 0 mod N");
        assert!(
            refused.to_string().contains("SRP_B is a multiple of N"),
            "{refused}"
        );
    }
}

/// A challenge field that cannot be read is named in the error.
#[test]
fn names_the_challenge_field_it_cannot_read() {
    let spoiled = |spoil: fn(&mut PasswordVerifier)| {
        let mut challenge = COGNITO.challenge();
        spoil(&mut challenge);
        challenge
    };
    let cases = [
        ("SRP_B", spoiled(|c| c.srp_b = "not hex".to_owned())),
        ("SRP_B", spoiled(|c| c.srp_b = String::new())),
        ("SALT", spoiled(|c| c.salt = "12g4".to_owned())),
        (
            "SECRET_BLOCK",
            spoiled(|c| c.secret_block = "abcde".to_owned()),
        ),
    ];
    for (field, challenge) in cases {
        let refused = COGNITO
            .client()
            .password_claim(&COGNITO.pool(), &challenge, COGNITO.password, TIMESTAMP)
            .expect_err(field);
        assert!(refused.to_string().contains(field), "{field}: {refused}");
    }
}

/// The challenge parameters are read by their Cognito names; a missing one is named.
#[test]
fn reads_the_challenge_parameters_by_their_cognito_names() {
    let parameters = serde_json::json!({"SRP_B": "ab", "SALT": "cd", "SECRET_BLOCK": "ZQ==",
        "USER_ID_FOR_SRP": "id", "USERNAME": "name"});
    let challenge: PasswordVerifier = serde_json::from_value(parameters).expect("parameters");
    assert_eq!(
        (
            challenge.srp_b.as_str(),
            challenge.salt.as_str(),
            challenge.secret_block.as_str()
        ),
        ("ab", "cd", "ZQ==")
    );
    assert_eq!(challenge.user_id_for_srp, "id");
    assert_eq!(challenge.username.as_deref(), Some("name"));
    let missing = serde_json::from_value::<PasswordVerifier>(serde_json::json!({"SRP_B": "ab"}))
        .expect_err("missing fields");
    assert!(missing.to_string().contains("SALT"), "{missing}");
}

/// Numbers are hashed as their shortest bytes, with a 0x00 in front when the top bit is set.
#[test]
fn pads_numbers_as_amplify_does() {
    let cases: [(u32, &[u8]); 6] = [
        (0, &[0]),
        (0x7f, &[0x7f]),
        (0x80, &[0, 0x80]),
        (0x0abc, &[0x0a, 0xbc]),
        (0x1234, &[0x12, 0x34]),
        (0x8000, &[0, 0x80, 0]),
    ];
    for (n, bytes) in cases {
        assert_eq!(pad(&BigUint::from(n)), bytes, "{n:#x}");
    }
}

/// The timestamp is English, UTC, with the day of the month not zero-padded.
#[test]
fn formats_the_timestamp_as_cognito_wants_it() {
    let at = |text: &str| text.parse::<DateTime<Utc>>().expect("time");
    assert_eq!(
        timestamp(at("2026-11-29T23:59:01Z")),
        "Sun Nov 29 23:59:01 UTC 2026"
    );
    assert_eq!(timestamp(at("2026-03-01T08:05:09Z")), TIMESTAMP);
}

/// Pool ids are `<region>_<name>`; SRP uses the name.
#[test]
fn parses_user_pool_ids() -> anyhow::Result<()> {
    assert_eq!(
        UserPoolId::parse("eu-central-1_Xq3TzLm9P")?.name(),
        "Xq3TzLm9P"
    );
    for wrong in [
        "",
        "eu-central-1",
        "eu-central-1_",
        "_abc",
        "eu central-1_abc",
        "eu-central-1_a_b",
    ] {
        let refused = UserPoolId::parse(wrong).expect_err(wrong);
        assert!(refused.to_string().contains("<region>_<name>"), "{refused}");
    }
    Ok(())
}

/// Each sign-in draws its own private value.
#[test]
fn draws_a_fresh_private_value_for_each_sign_in() {
    let (one, two) = (Srp::new(), Srp::new());
    assert_ne!(one.a, two.a);
    assert_ne!(one.public_a(), two.public_a());
    assert!(one.a < modulus() && one.big_a < modulus());
}
