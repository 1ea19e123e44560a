"""Make an RSA key pair and a signed access token for the peer: prints the environment for app.py and the
token, as shell assignments (PEER_PUBLIC_KEY, PEER_ISSUER, PEER_CLIENT_ID, BENCH_TOKEN)."""
import shlex
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
issuer, client = "https://cognito-idp.eu-central-1.amazonaws.com/peer-pool", "peer-client"
now = int(time.time())
token = jwt.encode({"iss": issuer, "sub": "bench", "token_use": "access", "client_id": client,
                    "iat": now, "exp": now + 3600, "scope": "tradai-api/backtests.read tradai-api/backtests.write"},
                   key, algorithm="RS256", headers={"kid": "peer"})
for name, value in [("PEER_PUBLIC_KEY", public), ("PEER_ISSUER", issuer), ("PEER_CLIENT_ID", client), ("BENCH_TOKEN", token)]:
    print(f"export {name}={shlex.quote(value)}")
