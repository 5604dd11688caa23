/*
 * dnsrec: the DNS records an operator must publish before a domain can
 * send through postern: MX, the host's A/AAAA, SPF, DKIM and DMARC, and
 * with IMAP the RFC 6186 SRV records mail clients locate the submission
 * and IMAP services by, as a zone-file fragment and as JSON for DNS
 * provider APIs.  Pure text generation: nothing is looked up or
 * published.  See dnsrec.c for the policy choices (SPF ~all, DMARC
 * p=none, implicit TLS preferred) and their reasons.
 */
#ifndef POSTERN_DNSREC_H
#define POSTERN_DNSREC_H

#include <stddef.h>

#include "lib/buf.h"

#define DNSREC_TTL		3600
#define DNSREC_MX_PRIORITY	10
#define DNSREC_TXT_CHUNK	255	/* RFC 1035 §3.3 character-string */
#define DNSREC_MAX_ADDRS	16
#define DNSREC_MAX_DKIM		8
#define DNSREC_KEY_MAX		2048	/* base64 chars: RSA 8192 fits */
#define DNSREC_ERR_MAX		160
#define DNSREC_SRV_WEIGHT	1	/* RFC 6186 §3 examples */
#define DNSREC_SRV_IMAP_PRIO	10	/* STARTTLS after implicit TLS (0) */

struct dnsrec_dkim {
	const char	*selector;	/* e.g. "s1", "2024a.mail" */
	const char	*key_type;	/* NULL or "rsa", or "ed25519" */
	const char	*pubkey;	/* base64, no white space: the DER
					 * SubjectPublicKeyInfo for rsa
					 * (RFC 6376 §3.6.1 "p=") */
};

/*
 * RFC 6186 SRV records: _submission._tcp (STARTTLS) at the MX host,
 * _imaps._tcp (implicit TLS) and _imap._tcp (STARTTLS) at imap_host.
 * imap_port 0 publishes _imap._tcp as "not offered" (target ".").
 */
struct dnsrec_srv {
	const char	*imap_host;	/* NULL: the MX/submission host */
	unsigned	 submission_port;	/* 1-65535 */
	unsigned	 imaps_port;		/* 1-65535 */
	unsigned	 imap_port;		/* 0: not offered */
};

struct dnsrec_input {
	const char			*domain;	/* example.com */
	const char			*host;		/* MX/submission host */
	const char *const		*addrs;		/* host's IPv4/IPv6 */
	size_t				 naddrs;	/* 0: none known */
	const struct dnsrec_dkim	*dkim;
	size_t				 ndkim;
	const char			*dmarc_rua;	/* NULL: dmarc-reports@
							 * domain */
	const struct dnsrec_srv		*srv;		/* NULL: no SRV */
};

/*
 * Validate the input: 0, or -1 with a reason such as
 * "host: label starts or ends with '-'" in err.
 */
int	dnsrec_check(const struct dnsrec_input *, char *err, size_t errsz);

/*
 * Append the records to zone (zone-file text with absolute names, TTL
 * 3600 and explanatory comments) and to json (an array of objects
 * {"type","name","value","ttl"[,"priority"[,"weight","port"]]}: MX and
 * SRV put the target host in "value", SRV's "not offered" target is
 * ".").  Either buffer may be
 * NULL.  -1, with both buffers unchanged, if dnsrec_check() refuses the
 * input or a buffer is full.
 */
int	dnsrec_for_domain(const struct dnsrec_input *, struct buf *zone,
	    struct buf *json);

#endif
