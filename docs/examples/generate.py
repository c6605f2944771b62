#!/usr/bin/env python3
"""The BlindBox guide's example, attested by attestd (docs/python.md):

    python3 generate.py https://HOST:PORT --maa URL [--ca-file PEM] [--policy FILE]

It attests the agent, then posts the guide's request over the attested connection and
prints the application's answer. A VM that fails a check is refused before anything is
sent, with the guide's kind of message (attestd.DebugMode: Attestation validation failed
(enclave is in debug mode)...) and the exit code of `attest` for that error.
"""

import argparse
import sys

import attestd


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--maa", required=True, help="the MAA instance you trust")
    parser.add_argument("--ca-file", help="CA bundle for fetching the MAA's keys")
    parser.add_argument("--policy", help="JSON policy file (docs/policy.md)")
    args = parser.parse_args()
    try:
        with attestd.connect(args.url, maa=args.maa, ca_file=args.ca_file, policy=args.policy) as session:
            res = session.post("/generate", json={"input_text": "def print_hello_world():"})
            res.raise_for_status()
            a = session.attestation
            print(f"attested: {a.agent}, {a.guest['compliance']}, measurement {a.measurement[:16]}…, "
                  f"nonce {a.nonce_index + 1} of {a.batch_size}"
                  + (f", measured boot with PCRs {','.join(sorted(a.boot['pcrs'], key=int))}" if a.boot else ""),
                  file=sys.stderr)
            print(res.text)
    except attestd.AttestationError as e:
        print(f"attestd.{e.name}: {str(e).rstrip('.')}. Exiting.", file=sys.stderr)
        return e.code
    return 0


if __name__ == "__main__":
    sys.exit(main())
