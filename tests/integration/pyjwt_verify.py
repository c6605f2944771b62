#!/usr/bin/python3
"""A relying party nobody here wrote: PyJWT's JWK client fetches maa-emu's /certs and
verifies a maa-emu token. Usage: pyjwt_verify.py BASE_URL TOKEN_FILE (CA via SSL_CERT_FILE)."""
import json
import sys

import jwt

base, token_file = sys.argv[1], sys.argv[2]
token = open(token_file).read().strip()
client = jwt.PyJWKClient(base + "/certs")
key = client.get_signing_key_from_jwt(token)
claims = jwt.decode(token, key.key, algorithms=["RS256"], issuer=base, options={"verify_aud": False})
print(json.dumps({"kid": key.key_id, "attestation_type": claims["x-ms-attestation-type"],
                  "measurement": claims["x-ms-sevsnpvm-launchmeasurement"]}))
