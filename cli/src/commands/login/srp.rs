//! The client side of Cognito's Secure Remote Password sign-in (`USER_SRP_AUTH`), computed as AWS Amplify's
//! `AuthenticationHelper` computes it: the public value `SRP_A` that opens the sign-in, and the
//! `PASSWORD_CLAIM_SIGNATURE` that answers the `PASSWORD_VERIFIER` challenge. The password never leaves this
//! process: Cognito checks the signature against the verifier it keeps for the user.
//!
//! Cognito's variant of SRP-6a (RFC 5054), with H = SHA-256:
//! - the 3072-bit group of RFC 5054 appendix A, g = 2;
//! - a number is hashed as its shortest big-endian bytes, with a 0x00 in front when the top bit is set
//!   ([`pad`]; not padded to the length of N as in the RFC);
//! - k = H(pad(N) | pad(g)), u = H(pad(A) | pad(B)),
//!   x = H(pad(salt) | H(pool name | user id for SRP | ":" | password)), where the pool name is the part of
//!   the user pool id after the underscore;
//! - S = (B - k·g^x)^(a + u·x) mod N;
//! - key = HKDF-SHA256(ikm = pad(S), salt = pad(u), info = "Caldera Derived Key"), 16 bytes;
//! - signature = base64(HMAC-SHA256(key, pool name | user id for SRP | secret block | timestamp)).
//!
//! Everything here is a pure function of its inputs except [`Srp::new`], which draws the private value `a`.

use anyhow::{anyhow, ensure};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use hkdf::Hkdf;
use hmac::{Hmac, Mac as _};
use num_bigint::BigUint;
use rand::RngCore as _;
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

/// N: the 3072-bit prime of RFC 5054 appendix A (the one Amplify and Cognito use).
const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

/// The generator g of the group.
const G: u32 = 2;

/// The HKDF `info` of Cognito's password key.
const KEY_INFO: &[u8] = b"Caldera Derived Key";

/// A user pool id, `<region>_<name>` (`eu-central-1_AbC123xyZ`); SRP hashes the name part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPoolId {
    id: String,
    underscore: usize,
}

impl UserPoolId {
    /// Parse a user pool id as Cognito writes it.
    pub fn parse(id: &str) -> anyhow::Result<Self> {
        let wrong = || {
            anyhow!("`{id}` is not a user pool id: expected <region>_<name>, e.g. eu-central-1_AbC123xyZ")
        };
        let underscore = id.find('_').ok_or_else(wrong)?;
        let (region, name) = (&id[..underscore], &id[underscore + 1..]);
        let region_ok = !region.is_empty()
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        let name_ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric());
        if region_ok && name_ok {
            Ok(UserPoolId {
                id: id.to_owned(),
                underscore,
            })
        } else {
            Err(wrong())
        }
    }

    /// The part after the underscore, which SRP hashes.
    pub fn name(&self) -> &str {
        &self.id[self.underscore + 1..]
    }
}

/// The parameters of Cognito's `PASSWORD_VERIFIER` challenge, as it sends them.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct PasswordVerifier {
    /// The server's public value B, in hexadecimal.
    pub srp_b: String,
    /// The user's salt, in hexadecimal.
    pub salt: String,
    /// An opaque block (base64) to sign and send back.
    pub secret_block: String,
    /// The user name the verifier was made for (Cognito's internal name of the user).
    pub user_id_for_srp: String,
    /// The user name to answer with, when Cognito gives one.
    pub username: Option<String>,
}

/// One SRP sign-in: the private value a and the public value A = g^a mod N.
pub struct Srp {
    a: BigUint,
    big_a: BigUint,
}

impl std::fmt::Debug for Srp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Srp")
            .field("a", &"<secret>")
            .field("big_a", &self.big_a)
            .finish()
    }
}

impl Srp {
    /// A sign-in with a fresh private value: 128 random bytes from the operating system, reduced mod N.
    pub fn new() -> Self {
        let mut bytes = [0u8; 128];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Srp::with_secret(BigUint::from_bytes_be(&bytes))
    }

    /// A sign-in with the given private value (tests fix it to compare with known answers).
    fn with_secret(a: BigUint) -> Self {
        let n = modulus();
        let a = a % &n;
        let big_a = BigUint::from(G).modpow(&a, &n);
        Srp { a, big_a }
    }

    /// `SRP_A`: the public value A in lowercase hexadecimal.
    pub fn public_a(&self) -> String {
        self.big_a.to_str_radix(16)
    }

    /// `PASSWORD_CLAIM_SIGNATURE`: the signature that proves knowledge of `password` for this challenge at
    /// `timestamp` (the `TIMESTAMP` sent beside it, see [`timestamp`]).
    pub fn password_claim(
        &self,
        pool: &UserPoolId,
        challenge: &PasswordVerifier,
        password: &str,
        timestamp: &str,
    ) -> anyhow::Result<String> {
        let key = self.password_key(pool, challenge, password)?;
        let secret_block = secret_block_bytes(&challenge.secret_block)?;
        let mut mac =
            <Hmac<Sha256>>::new_from_slice(&key).map_err(|e| anyhow!("the HMAC key: {e}"))?;
        mac.update(pool.name().as_bytes());
        mac.update(challenge.user_id_for_srp.as_bytes());
        mac.update(&secret_block);
        mac.update(timestamp.as_bytes());
        Ok(STANDARD.encode(mac.finalize().into_bytes()))
    }

    /// The 16-byte key the signature is made with, HKDF(pad(S), pad(u)).
    fn password_key(
        &self,
        pool: &UserPoolId,
        challenge: &PasswordVerifier,
        password: &str,
    ) -> anyhow::Result<[u8; 16]> {
        let n = modulus();
        let g = BigUint::from(G);
        let b = hex_number("SRP_B", &challenge.srp_b)?;
        ensure!(
            &b % &n != BigUint::ZERO,
            "Cognito's SRP_B is a multiple of N: refusing to answer the challenge"
        );
        let salt = hex_number("SALT", &challenge.salt)?;
        let u = scrambler(&self.big_a, &b);
        ensure!(
            u != BigUint::ZERO,
            "SRP's u = H(A | B) is 0 for Cognito's SRP_B: refusing to answer the challenge"
        );
        let x = private_key(pool, &challenge.user_id_for_srp, password, &salt);
        let k_v = (multiplier() * g.modpow(&x, &n)) % &n;
        let base = (b % &n + &n - k_v) % &n;
        let s = base.modpow(&(&self.a + &u * &x), &n);
        let mut key = [0u8; 16];
        Hkdf::<Sha256>::new(Some(&pad(&u)), &pad(&s))
            .expand(KEY_INFO, &mut key)
            .map_err(|e| anyhow!("HKDF: {e}"))?;
        Ok(key)
    }
}

/// `TIMESTAMP` as Cognito wants it: `Sun Nov 29 23:59:01 UTC 2026`, in English, the day not zero-padded.
pub fn timestamp(now: DateTime<Utc>) -> String {
    now.format("%a %b %-d %H:%M:%S UTC %Y").to_string()
}

/// N.
fn modulus() -> BigUint {
    BigUint::parse_bytes(N_HEX.as_bytes(), 16).expect("N_HEX is hexadecimal")
}

/// k = H(pad(N) | pad(g)).
fn multiplier() -> BigUint {
    number(&hash(&[&pad(&modulus()), &pad(&BigUint::from(G))]))
}

/// u = H(pad(A) | pad(B)).
fn scrambler(big_a: &BigUint, b: &BigUint) -> BigUint {
    number(&hash(&[&pad(big_a), &pad(b)]))
}

/// x = H(pad(salt) | H(pool name | user id | ":" | password)).
fn private_key(pool: &UserPoolId, user_id: &str, password: &str, salt: &BigUint) -> BigUint {
    let identity = hash(&[
        pool.name().as_bytes(),
        user_id.as_bytes(),
        b":",
        password.as_bytes(),
    ]);
    number(&hash(&[&pad(salt), &identity]))
}

/// The bytes SRP hashes for a number: its shortest big-endian form, with a 0x00 in front when the top bit is
/// set, so it reads as positive (Amplify's `padHex`; zero is one 0x00 byte).
fn pad(n: &BigUint) -> Vec<u8> {
    let mut bytes = n.to_bytes_be();
    if bytes[0] & 0x80 != 0 {
        bytes.insert(0, 0);
    }
    bytes
}

/// SHA-256 over the parts, in order.
fn hash(parts: &[&[u8]]) -> [u8; 32] {
    let mut digest = Sha256::new();
    for part in parts {
        digest.update(part);
    }
    digest.finalize().into()
}

/// A hash read as a big-endian number.
fn number(bytes: &[u8]) -> BigUint {
    BigUint::from_bytes_be(bytes)
}

/// A hexadecimal challenge parameter as a number; the field is named when it is not hexadecimal.
fn hex_number(field: &str, text: &str) -> anyhow::Result<BigUint> {
    BigUint::parse_bytes(text.as_bytes(), 16)
        .ok_or_else(|| anyhow!("Cognito's {field} is not a hexadecimal number: `{text}`"))
}

/// The bytes of `SECRET_BLOCK`. Cognito sends standard base64; characters outside that alphabet are skipped, as
/// Python's `b64decode` (pycognito's decoder) skips them, so moto's secret block, its session id (a UUID), can be
/// signed too.
fn secret_block_bytes(text: &str) -> anyhow::Result<Vec<u8>> {
    let kept: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        .collect();
    STANDARD
        .decode(kept)
        .map_err(|e| anyhow!("Cognito's SECRET_BLOCK is not base64 ({e})"))
}

#[cfg(test)]
mod tests;
