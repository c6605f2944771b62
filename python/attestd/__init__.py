"""attestd: attest an SEV-SNP confidential VM before you talk to it, the way requests talks.

::

    import attestd

    with attestd.connect("https://vm.example:8443", maa="https://sharedweu.weu.attest.azure.net",
                         policy="policy.json") as session:
        res = session.post("/generate", json={"input_text": "def print_hello_world():"})
        print(res.json())

:func:`connect` attests one TLS connection (fresh nonce, MAA token, Merkle proof, channel
binding, and on Azure's vTPM the measured boot) and returns a :class:`Session`, a
``requests.Session`` whose requests go over that connection only. :func:`verify_token`
and :func:`verify_report` check a token or a report offline. Every check is made by
attestd's C++ library, the same code as the ``attest`` CLI; a failure raises the
:class:`AttestationError` subclass of its name (docs/errors.md), e.g. :class:`DebugMode`
or :class:`NonCompliantUvm`, with the CLI's message and ``.code`` its exit code.
See docs/python.md.
"""

from ._errors import *  # noqa: F401,F403  (one class per error name)
from ._errors import ERRORS, AttestationError, NetworkTimeout
from ._offline import verify_report, verify_token
from ._session import Attestation, Session, __version__, connect

__all__ = ["connect", "Session", "Attestation", "verify_token", "verify_report", "AttestationError", "ERRORS",
           "NetworkTimeout", "__version__"] + [name for name in ERRORS]
