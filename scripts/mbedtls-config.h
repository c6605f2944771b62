/* attestd's mbedTLS 3.6 configuration: what the project uses, and nothing else.
 *
 * scripts/deps.sh installs this file as include/mbedtls/mbedtls_config.h before it builds
 * mbedTLS, so mbedTLS, curl and every attestd object see the same configuration. It
 * replaces upstream's default (which enables nearly everything) by a list: an option that
 * is not here is off. Each line says who needs it. docs/building.md gives the sizes.
 *
 * Who uses mbedTLS here:
 *  - attested TLS, server (agent) and client (attest, the Python extension), TLS 1.2 and
 *    1.3, with the suites of net/tls_stream.cpp: TLS_AES_{128,256}_GCM, TLS_CHACHA20_POLY1305
 *    and ECDHE-{ECDSA,RSA} with AES-GCM or ChaCha20-Poly1305;
 *  - libcurl's HTTPS (MAA, AMD KDS; IMDS is plain HTTP) against the system CA bundle. Azure's
 *    and AMD's front ends offer TLS 1.3 with AES-GCM and TLS 1.2 ECDHE-RSA/ECDSA with AES-GCM,
 *    on P-256, P-384 or X25519, under RSA or ECDSA certificates signed with SHA-256/384;
 *  - verification: AMD's chain (RSASSA-PSS SHA-384 over RSA-4096, ECDSA P-384 reports),
 *    AMD's CRLs, MAA's RS256 tokens (RSA PKCS#1 v1.5), JWKs (RSA, EC P-256/P-384);
 *  - keys and certificates the project makes (crypto/keys.cpp, net's self-signed
 *    certificates, snp-sim): RSA and EC key generation, PEM/DER writing, X.509 writing,
 *    deterministic ECDSA (HMAC-DRBG), AES-GCM (Azure vTPM key import), RSA PKCS#1 v1.5
 *    encryption.
 */
#ifndef ATTESTD_MBEDTLS_CONFIG_H
#define ATTESTD_MBEDTLS_CONFIG_H

/* Platform */
#define MBEDTLS_HAVE_ASM            /* x86-64 bignum assembly: RSA and ECDSA speed */
#define MBEDTLS_HAVE_TIME           /* TLS session times */
#define MBEDTLS_HAVE_TIME_DATE      /* certificate and CRL validity */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_FS_IO               /* curl reads the CA bundle file (CURLOPT_CAINFO) */
#define MBEDTLS_THREADING_C         /* the agent serves TLS from several threads */
#define MBEDTLS_THREADING_PTHREAD
#define MBEDTLS_ERROR_C             /* mbedtls_strerror: error messages name the cause */
#define MBEDTLS_VERSION_C           /* curl's version string */
#define MBEDTLS_NET_C               /* only for mbedtls_strerror's NET - ... texts (our BIOs return them) */

/* Randomness */
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C          /* the RNG of every TLS context and key */
#define MBEDTLS_HMAC_DRBG_C         /* deterministic ECDSA; crypto/keys.cpp's seeded test keys */

/* Big numbers, RSA, elliptic curves */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_GENPRIME            /* RSA key generation (snp-sim, vTPM emulation, test keys) */
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15           /* RS256 tokens, TLS RSA signatures, RSAES for the vTPM */
#define MBEDTLS_PKCS1_V21           /* RSASSA-PSS: AMD's certificates and CRLs, TLS 1.3 */
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED  /* ES256 keys, TLS key exchange and certificates */
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED  /* SNP reports (ECDSA P-384), VCEK/VLEK, TLS */
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED /* X25519: the first TLS 1.3 key share of most peers */
#define MBEDTLS_ECP_NIST_OPTIM      /* fast reduction for P-256/P-384: verification speed */
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECDSA_DETERMINISTIC /* RFC 6979 signatures (no RNG failure can leak the key) */
#define MBEDTLS_ECDH_C              /* ECDHE key exchange */

/* Hashes and MACs */
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C            /* everywhere (TLS, RS256, ES256, measurements) */
#define MBEDTLS_SHA384_C            /* SNP (reports, AMD chain, CRLs), TLS SHA-384 suites */
#define MBEDTLS_SHA512_C            /* HMAC-DRBG seeding, SHA-512 digests of the API */
#define MBEDTLS_SHA1_C              /* the CA bundle's older certificates parse (their OIDs) */
#define MBEDTLS_MD5_C               /* as SHA-1; curl's build expects it with mbedTLS */
#define MBEDTLS_HKDF_C              /* TLS 1.3 key schedule */

/* Ciphers: AES-GCM and ChaCha20-Poly1305, the suites of net/tls_stream.cpp */
#define MBEDTLS_AES_C
#define MBEDTLS_AESNI_C             /* AES-NI on x86-64 */
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_CIPHER_C

/* Keys, ASN.1, PEM, X.509 */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_PEM_WRITE_C         /* keys and certificates written as PEM */
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_PK_WRITE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_CRL_PARSE_C    /* AMD's CRLs */
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT /* AMD signs certificates and CRLs with RSASSA-PSS */
#define MBEDTLS_X509_CREATE_C
#define MBEDTLS_X509_CRT_WRITE_C    /* the agent's self-signed TLS certificate, snp-sim's chain */

/* PSA: mbedTLS 3.6's TLS 1.3 runs on it; keys live in memory only */
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_PSA_KEY_STORE_DYNAMIC

/* TLS */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C           /* attest, the Python extension, curl */
#define MBEDTLS_SSL_SRV_C           /* the agent */
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED /* TLS 1.2 with our EC certificates */
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED   /* TLS 1.2 with RSA certificates (MAA, KDS) */
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL_ENABLED /* resumption from tickets */
#define MBEDTLS_SSL_SESSION_TICKETS /* a TLS 1.3 server's tickets are read, not refused */
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE /* middlebox compatibility (RFC 8446, D.4) */
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET    /* RFC 7627 for TLS 1.2 */
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE     /* the attested channel reads the peer's certificate */
#define MBEDTLS_SSL_SERVER_NAME_INDICATION    /* curl sends SNI: shared front ends need it */
#define MBEDTLS_SSL_ALPN                      /* curl negotiates http/1.1 */
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES        /* peers are told why a handshake failed */

#endif /* ATTESTD_MBEDTLS_CONFIG_H */
