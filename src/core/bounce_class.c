/*
 * bounce_class: why a delivery failed and whose fault it is
 * (bounce_class.h).
 *
 * The reasons follow Sisimai's taxonomy (sisimai/p5-sisimai
 * lib/Sisimai/Reason/ modules, BSD 2-clause; postern says "ratelimited"
 * where Sisimai says "speeding").  A failure is classified by the first
 * of these steps that decides:
 *
 *   1. provider rows (bc_text[] with BC_PROVIDER): texts that name the
 *	cause better than their codes do, whatever the code: Gmail
 *	"550 5.7.1 ... blocked" and 4.7.28, Microsoft "5.7.708", "S3150",
 *	"RP-001", "4.7.650 ... (S775)", Yahoo "[TSS04]", "[TSS09]",
 *	"[BL21]", "doesn't have a yahoo.com account"; Google Groups' refusal
 *	of a poster, GoDaddy's per-hour limit (IB607, sent with 5.1.1),
 *	Facebook's RCP-P2 "recipient preferences", KDDI's filter (ezweb.ne.jp,
 *	au.com: "550 : User unknown" with the address left out).
 *	Sources: the providers' pages as captured in
 *	azumakuniyuki/feb-2024-no-auth-no-entry and Sisimai's Rhost/ modules
 *	(see /work/shared/research/deliverability.md §3.2, §5.1).
 *   2. an enhanced status code that is specific (bc_code[] with
 *	BC_STRONG): RFC 3463 and the IANA registry of enhanced status
 *	codes; 5.1.1 is a bad mailbox whatever the text says.
 *   3. text rows (bc_text[] without BC_PROVIDER), in order: phrases of
 *	MTAs and providers ("user unknown", "quota", "relay access
 *	denied"...), after Sisimai's Reason/ modules lists and the samples of
 *	its set-of-emails.  This is where generic codes (5.0.0, 5.5.0,
 *	5.7.1, 550 without an enhanced code) get their meaning.
 *   4. the weak enhanced codes of bc_code[] (5.7.1 "not authorized" is
 *	used by Microsoft, Yahoo and others for sender blocks and by some
 *	for unknown users, so only the text can say which).
 *   5. the class and subject digits (X.7.* security, X.4.* network...)
 *	and then the basic code (552 mailbox full, 556 null MX).
 *   6. undefined.
 *   7. the SMTP command that failed, when the caller knows it
 *	(bounce_classify_cmd; bounce_command() finds it in a bounce's text)
 *	and steps 3-6 decided: a user-unknown text after DATA is
 *	"filtered" (RCPT had been accepted; Sisimai's Reason::Filtered)
 *	unless an X.1.x code says the mailbox is bad; after MAIL FROM an
 *	unknown address or domain is the sender's ("rejected").  NTT
 *	Docomo's "Unknown user" with 5.0.0 after DATA is its recipients'
 *	refusal of a sender (Sisimai's Rhost::NTTDocomo): "rejected".
 *	bounce_classify() (the queue's own replies: RCPT refused is RCPT)
 *	keeps the one rule it always had: "end of DATA" in the text.
 *
 * Texts are matched in lower case with white space runs made one space,
 * as bounces fold long replies.  Some rows are placed for what they
 * contain: "spamhaus" before "spam"; Postfix's "Recipient address
 * rejected:" last, since it heads any reason; a bare "access denied"
 * after the blocks ("Client host rejected: Access denied").  Bare words
 * that bounces also use in advice or in passing are replaced by what
 * they say of the failure: "spf" by "spf check", "spf fail", "pass
 * spf"... ("set up SPF records" closes Google's spam refusals), "header"
 * by "header error", "invalid header"... (a returned message's headers
 * are mentioned in passing).  Codes: 5.1.3
 * (address syntax) is weak, because hosts send it with block-list texts;
 * 4.4.5 (the receiving system's congestion) is strong, so "insufficient
 * disk space" with it is the system's, not the mailbox's.
 *
 * Fault: recipient for the address's own problems (userunknown,
 * hostunknown, hasmoved, notaccept, mailboxfull, suspend); sender for
 * what the receiver holds against the sender (blocks, reputation, PTR,
 * SPF/DKIM/DMARC, content, size, pace, the envelope sender); unknown
 * for the path (expired, network, system, relaying) and for "filtered"
 * (a recipient's rule or a content filter: Sisimai cannot tell either).
 * Hard: the address is bad for good (Sisimai's is_hardbounce):
 * userunknown, hostunknown, hasmoved, and notaccept with a permanent
 * code.  Only hard recipient faults are suppressed (bounce_suppress).
 *
 * The knowledge base (diag/kb.c, kb/replies.kb) explains replies to a
 * person; it lives in diag, which the queue may not include, so the
 * classifier keeps its own table here.
 *
 * Pure: no allocation, no I/O; text longer than BC_TEXT_MAX is
 * classified on its first BC_TEXT_MAX bytes.
 */
#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "core/bounce_class.h"

#define BC_TEXT_MAX	2048
#define BC_STRONG	0x01	/* code: decides before the text */
#define BC_PROVIDER	0x02	/* text: decides before the code */
#define BC_PERM		0x04	/* text: only with a 5xx code */
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct bc_info {
	const char		*name;
	enum bounce_fault	 fault;
	int			 hard;
};

struct bc_code {
	const char		*code;	/* exact enhanced code */
	enum bounce_reason	 reason;
	int			 flags;
};

struct bc_text {
	const char		*needle;	/* lower case */
	enum bounce_reason	 reason;
	int			 flags;
	const char		*mx;	/* host suffix, or NULL: any */
};

#define R	BOUNCE_FAULT_RECIPIENT
#define S	BOUNCE_FAULT_SENDER
#define U	BOUNCE_FAULT_UNKNOWN
static const struct bc_info bc_info[BOUNCE_NREASONS] = {
	[BOUNCE_UNDEFINED] =		{ "undefined", U, 0 },
	[BOUNCE_USERUNKNOWN] =		{ "userunknown", R, 1 },
	[BOUNCE_HOSTUNKNOWN] =		{ "hostunknown", R, 1 },
	[BOUNCE_HASMOVED] =		{ "hasmoved", R, 1 },
	[BOUNCE_NOTACCEPT] =		{ "notaccept", R, 1 },
	[BOUNCE_MAILBOXFULL] =		{ "mailboxfull", R, 0 },
	[BOUNCE_SUSPEND] =		{ "suspend", R, 0 },
	[BOUNCE_FILTERED] =		{ "filtered", U, 0 },
	[BOUNCE_REJECTED] =		{ "rejected", S, 0 },
	[BOUNCE_BLOCKED] =		{ "blocked", S, 0 },
	[BOUNCE_BADREPUTATION] =	{ "badreputation", S, 0 },
	[BOUNCE_REQUIREPTR] =		{ "requireptr", S, 0 },
	[BOUNCE_AUTHFAILURE] =		{ "authfailure", S, 0 },
	[BOUNCE_SECURITYERROR] =	{ "securityerror", S, 0 },
	[BOUNCE_SPAMDETECTED] =		{ "spamdetected", S, 0 },
	[BOUNCE_VIRUSDETECTED] =	{ "virusdetected", S, 0 },
	[BOUNCE_POLICYVIOLATION] =	{ "policyviolation", S, 0 },
	[BOUNCE_CONTENTERROR] =		{ "contenterror", S, 0 },
	[BOUNCE_NOTCOMPLIANTRFC] =	{ "notcompliantrfc", S, 0 },
	[BOUNCE_MESGTOOBIG] =		{ "mesgtoobig", S, 0 },
	[BOUNCE_EXCEEDLIMIT] =		{ "exceedlimit", S, 0 },
	[BOUNCE_RATELIMITED] =		{ "ratelimited", S, 0 },
	[BOUNCE_TOOMANYCONN] =		{ "toomanyconn", S, 0 },
	[BOUNCE_SYNTAXERROR] =		{ "syntaxerror", S, 0 },
	[BOUNCE_NORELAYING] =		{ "norelaying", U, 0 },
	[BOUNCE_EXPIRED] =		{ "expired", U, 0 },
	[BOUNCE_NETWORKERROR] =		{ "networkerror", U, 0 },
	[BOUNCE_SYSTEMERROR] =		{ "systemerror", U, 0 },
	[BOUNCE_SYSTEMFULL] =		{ "systemfull", U, 0 },
	[BOUNCE_MAILERERROR] =		{ "mailererror", U, 0 },
	[BOUNCE_ONHOLD] =		{ "onhold", U, 0 },
};
#undef R
#undef S
#undef U

/* RFC 3463 and the IANA registry; 4.x.y rows where they differ. */
static const struct bc_code bc_code[] = {
	{ "5.1.1",	BOUNCE_USERUNKNOWN,	BC_STRONG },
	{ "4.1.1",	BOUNCE_USERUNKNOWN,	BC_STRONG },
	{ "5.1.2",	BOUNCE_HOSTUNKNOWN,	BC_STRONG },
	{ "5.1.6",	BOUNCE_HASMOVED,	BC_STRONG },
	{ "4.1.6",	BOUNCE_HASMOVED,	BC_STRONG },
	{ "5.1.7",	BOUNCE_REJECTED,	BC_STRONG },
	{ "5.1.8",	BOUNCE_REJECTED,	BC_STRONG },
	{ "4.1.8",	BOUNCE_REJECTED,	BC_STRONG },
	{ "5.1.10",	BOUNCE_NOTACCEPT,	BC_STRONG },
	{ "5.2.2",	BOUNCE_MAILBOXFULL,	BC_STRONG },
	{ "4.2.2",	BOUNCE_MAILBOXFULL,	BC_STRONG },
	{ "5.2.3",	BOUNCE_EXCEEDLIMIT,	BC_STRONG },
	{ "5.3.4",	BOUNCE_MESGTOOBIG,	BC_STRONG },
	{ "4.3.1",	BOUNCE_SYSTEMFULL,	BC_STRONG },
	{ "4.4.5",	BOUNCE_SYSTEMFULL,	BC_STRONG },
	{ "5.3.1",	BOUNCE_SYSTEMFULL,	BC_STRONG },
	{ "4.4.7",	BOUNCE_EXPIRED,		BC_STRONG },
	{ "5.4.7",	BOUNCE_EXPIRED,		BC_STRONG },
	{ "4.5.3",	BOUNCE_TOOMANYCONN,	BC_STRONG },
	{ "5.5.3",	BOUNCE_TOOMANYCONN,	BC_STRONG },
	{ "5.7.13",	BOUNCE_SUSPEND,		BC_STRONG },
	{ "5.7.17",	BOUNCE_HASMOVED,	BC_STRONG },
	{ "5.7.18",	BOUNCE_HASMOVED,	BC_STRONG },
	{ "5.7.20",	BOUNCE_AUTHFAILURE,	BC_STRONG },
	{ "5.7.21",	BOUNCE_AUTHFAILURE,	BC_STRONG },
	{ "5.7.22",	BOUNCE_AUTHFAILURE,	BC_STRONG },
	{ "5.7.23",	BOUNCE_AUTHFAILURE,	BC_STRONG },
	{ "5.7.24",	BOUNCE_AUTHFAILURE,	BC_STRONG },
	{ "4.7.24",	BOUNCE_AUTHFAILURE,	BC_STRONG },
	{ "5.7.25",	BOUNCE_REQUIREPTR,	BC_STRONG },
	{ "4.7.25",	BOUNCE_REQUIREPTR,	BC_STRONG },
	{ "5.7.26",	BOUNCE_AUTHFAILURE,	BC_STRONG },
	{ "4.7.26",	BOUNCE_AUTHFAILURE,	BC_STRONG },
	{ "5.7.27",	BOUNCE_NOTACCEPT,	BC_STRONG },
	{ "4.7.28",	BOUNCE_RATELIMITED,	BC_STRONG },
	{ "5.7.28",	BOUNCE_SPAMDETECTED,	BC_STRONG },
	{ "4.7.650",	BOUNCE_BADREPUTATION,	BC_STRONG },
	{ "4.7.651",	BOUNCE_BADREPUTATION,	BC_STRONG },
	{ "5.7.509",	BOUNCE_AUTHFAILURE,	BC_STRONG },
	{ "5.7.515",	BOUNCE_AUTHFAILURE,	BC_STRONG },
	{ "5.7.606",	BOUNCE_BLOCKED,		BC_STRONG },
	{ "5.7.708",	BOUNCE_BLOCKED,		BC_STRONG },
	/* weak: the text decides first */
	{ "5.2.1",	BOUNCE_SUSPEND,		0 },
	{ "4.2.1",	BOUNCE_SUSPEND,		0 },
	{ "5.2.0",	BOUNCE_FILTERED,	0 },
	{ "5.1.0",	BOUNCE_USERUNKNOWN,	0 },
	{ "5.1.4",	BOUNCE_FILTERED,	0 },
	{ "4.4.1",	BOUNCE_EXPIRED,		0 },
	{ "4.4.2",	BOUNCE_NETWORKERROR,	0 },
	{ "5.1.3",	BOUNCE_USERUNKNOWN,	0 },
	{ "5.4.4",	BOUNCE_HOSTUNKNOWN,	0 },
	{ "5.3.2",	BOUNCE_NOTACCEPT,	0 },
	{ "4.3.2",	BOUNCE_TOOMANYCONN,	0 },
	{ "5.7.1",	BOUNCE_SECURITYERROR,	0 },
	{ "4.7.1",	BOUNCE_BLOCKED,		0 },
	{ "5.7.9",	BOUNCE_SECURITYERROR,	0 },
};

/*
 * Texts, first match wins.  Provider rows first; then the recipient's
 * own conditions before the generic "rejected"/"blocked" words, so
 * "mailbox full" is not read as a block.
 */
static const struct bc_text bc_text[] = {
	/* providers: Google */
	{ "4.7.28", BOUNCE_RATELIMITED, BC_PROVIDER, NULL },
	/* 5xx: the IP is blocked; as 421 4.7.28 it is a rate limit */
	{ "unusual rate of unsolicited mail", BOUNCE_BLOCKED,
	    BC_PROVIDER | BC_PERM, NULL },
	{ "likely unsolicited mail", BOUNCE_SPAMDETECTED, BC_PROVIDER, NULL },
	{ "account that you tried to reach is disabled", BOUNCE_SUSPEND,
	    BC_PROVIDER, NULL },
	{ "account that you tried to reach does not exist",
	    BOUNCE_USERUNKNOWN, BC_PROVIDER, NULL },
	{ "account that you tried to reach is over quota",
	    BOUNCE_MAILBOXFULL, BC_PROVIDER, NULL },
	{ "has blocked the messages from this sender", BOUNCE_FILTERED,
	    BC_PROVIDER, NULL },
	{ "does not have a ptr record", BOUNCE_REQUIREPTR, BC_PROVIDER,
	    NULL },
	{ "not rfc 5322 compliant", BOUNCE_NOTCOMPLIANTRFC, BC_PROVIDER,
	    NULL },
	{ "rfc 5322 compliant", BOUNCE_NOTCOMPLIANTRFC, BC_PROVIDER, NULL },
	{ "multiple from headers", BOUNCE_NOTCOMPLIANTRFC, BC_PROVIDER,
	    NULL },
	{ "multiple addresses in from: header", BOUNCE_NOTCOMPLIANTRFC,
	    BC_PROVIDER, NULL },
	{ "blocked", BOUNCE_BLOCKED, BC_PROVIDER, ".google.com" },
	/* Microsoft */
	{ "5.7.708", BOUNCE_BLOCKED, BC_PROVIDER, NULL },
	{ "s3150", BOUNCE_BLOCKED, BC_PROVIDER, NULL },
	{ "s3140", BOUNCE_BLOCKED, BC_PROVIDER, NULL },
	{ "(s775)", BOUNCE_BADREPUTATION, BC_PROVIDER, NULL },
	{ "4.7.650", BOUNCE_BADREPUTATION, BC_PROVIDER, NULL },
	{ "rp-001", BOUNCE_RATELIMITED, BC_PROVIDER, NULL },
	{ "rp-002", BOUNCE_RATELIMITED, BC_PROVIDER, NULL },
	{ "rp-003", BOUNCE_TOOMANYCONN, BC_PROVIDER, NULL },
	{ "sc-001", BOUNCE_BLOCKED, BC_PROVIDER, NULL },
	{ "sc-002", BOUNCE_BLOCKED, BC_PROVIDER, NULL },
	{ "5.7.515", BOUNCE_AUTHFAILURE, BC_PROVIDER, NULL },
	{ "resolver.adr.recipientnotfound", BOUNCE_USERUNKNOWN, BC_PROVIDER,
	    NULL },
	{ "resolver.adr.recipnotfound", BOUNCE_USERUNKNOWN, BC_PROVIDER,
	    NULL },
	{ "resolver.rst.notauthorized", BOUNCE_FILTERED, BC_PROVIDER, NULL },
	{ "recipient address rejected: access denied", BOUNCE_USERUNKNOWN,
	    BC_PROVIDER, NULL },
	/* Yahoo's unknown user, said at the end of DATA */
	{ "doesn't have a yahoo.com account", BOUNCE_USERUNKNOWN,
	    BC_PROVIDER, NULL },
	/* Facebook RCP-P2: the recipient's own settings */
	{ "refused due to recipient preferences", BOUNCE_FILTERED,
	    BC_PROVIDER, NULL },
	/*
	 * KDDI (ezweb.ne.jp, au.com; Sisimai's Rhost::KDDI): its filter
	 * answers "550 : User unknown", with the address left out; an
	 * unknown user gets "550 <a@b>: User unknown".
	 */
	{ " : user unknown", BOUNCE_FILTERED, BC_PROVIDER, NULL },
	/* Yahoo */
	{ "[tss04]", BOUNCE_BADREPUTATION, BC_PROVIDER, NULL },
	{ "[tss09]", BOUNCE_BLOCKED, BC_PROVIDER, NULL },
	{ "[tss11]", BOUNCE_BLOCKED, BC_PROVIDER, NULL },
	{ "[bl21]", BOUNCE_BLOCKED, BC_PROVIDER, NULL },
	{ "[bl23]", BOUNCE_BLOCKED, BC_PROVIDER, NULL },
	{ "[ts01]", BOUNCE_BLOCKED, BC_PROVIDER, NULL },
	{ "[ts03]", BOUNCE_BLOCKED, BC_PROVIDER, NULL },
	/* Google Groups: the sender may not post to the group */
	{ "groups.google.com/support", BOUNCE_REJECTED, BC_PROVIDER, NULL },
	/* GoDaddy IB607 (Sisimai's Rhost::GoDaddy), whatever its 5.1.1 */
	{ "sent to too many recipients", BOUNCE_RATELIMITED, BC_PROVIDER,
	    NULL },
	/* a local delivery agent's own failure, whatever it goes on to say */
	{ "procmail:", BOUNCE_MAILERERROR, 0, NULL },
	/* the recipient's mailbox */
	{ "over quota", BOUNCE_MAILBOXFULL, 0, NULL },
	{ "quota exceeded", BOUNCE_MAILBOXFULL, 0, NULL },
	{ "exceeded storage", BOUNCE_MAILBOXFULL, 0, NULL },
	{ "mailbox full", BOUNCE_MAILBOXFULL, 0, NULL },
	{ "mailbox is full", BOUNCE_MAILBOXFULL, 0, NULL },
	{ "mailbox size limit", BOUNCE_MAILBOXFULL, 0, NULL },
	{ "mailbox exceeded", BOUNCE_MAILBOXFULL, 0, NULL },
	{ "mailfolder is full", BOUNCE_MAILBOXFULL, 0, NULL },
	{ "full mailbox", BOUNCE_MAILBOXFULL, 0, NULL },
	{ "disk quota", BOUNCE_MAILBOXFULL, 0, NULL },
	{ "exceeding its mailbox quota", BOUNCE_MAILBOXFULL, 0, NULL },
	{ "insufficient disk space", BOUNCE_MAILBOXFULL, 0, NULL },
	{ "not enough storage", BOUNCE_MAILBOXFULL, 0, NULL },
	{ "does not have enough space", BOUNCE_MAILBOXFULL, 0, NULL },
	{ "too many messages", BOUNCE_MAILBOXFULL, 0, NULL },
	{ "message too big", BOUNCE_MESGTOOBIG, 0, NULL },
	{ "message too large", BOUNCE_MESGTOOBIG, 0, NULL },
	{ "message size exceeds", BOUNCE_MESGTOOBIG, 0, NULL },
	{ "size limit", BOUNCE_MESGTOOBIG, 0, NULL },
	{ "exceeds administrative limit", BOUNCE_EXCEEDLIMIT, 0, NULL },
	{ "message length exceeds", BOUNCE_EXCEEDLIMIT, 0, NULL },
	{ "suspended", BOUNCE_SUSPEND, 0, NULL },
	{ "mailbox disabled", BOUNCE_SUSPEND, 0, NULL },
	{ "mailbox is disabled", BOUNCE_SUSPEND, 0, NULL },
	{ "account is disabled", BOUNCE_SUSPEND, 0, NULL },
	{ "account has been disabled", BOUNCE_SUSPEND, 0, NULL },
	{ "inactive account", BOUNCE_SUSPEND, 0, NULL },
	{ "mailbox is inactive", BOUNCE_SUSPEND, 0, NULL },
	{ "deactivated", BOUNCE_SUSPEND, 0, NULL },
	{ "mailbox is frozen", BOUNCE_SUSPEND, 0, NULL },
	{ "account is blocked", BOUNCE_SUSPEND, 0, NULL },
	{ "temporary locked", BOUNCE_SUSPEND, 0, NULL },
	{ "temporarily locked", BOUNCE_SUSPEND, 0, NULL },
	{ "no longer accepts mail", BOUNCE_SUSPEND, 0, NULL },
	{ "has moved", BOUNCE_HASMOVED, 0, NULL },
	{ "relay access denied", BOUNCE_NORELAYING, 0, NULL },
	{ "relaying denied", BOUNCE_NORELAYING, 0, NULL },
	{ "relay not permitted", BOUNCE_NORELAYING, 0, NULL },
	{ "unable to relay", BOUNCE_NORELAYING, 0, NULL },
	{ "not permitted to relay", BOUNCE_NORELAYING, 0, NULL },
	{ "not allowed to relay", BOUNCE_NORELAYING, 0, NULL },
	{ "relaying mail to", BOUNCE_NORELAYING, 0, NULL },
	{ "no relaying", BOUNCE_NORELAYING, 0, NULL },
	/*
	 * SPF by what it says of the check, not the bare word: bounces
	 * advise "set up SPF records" when refusing for other reasons.
	 */
	{ "spf check", BOUNCE_AUTHFAILURE, 0, NULL },
	{ "spf fail", BOUNCE_AUTHFAILURE, 0, NULL },
	{ "spf=fail", BOUNCE_AUTHFAILURE, 0, NULL },
	{ "spf: fail", BOUNCE_AUTHFAILURE, 0, NULL },
	{ "spf softfail", BOUNCE_AUTHFAILURE, 0, NULL },
	{ "spf validation", BOUNCE_AUTHFAILURE, 0, NULL },
	{ "spf verification", BOUNCE_AUTHFAILURE, 0, NULL },
	{ "pass spf", BOUNCE_AUTHFAILURE, 0, NULL },
	{ "spf policy", BOUNCE_AUTHFAILURE, 0, NULL },
	{ "by spf", BOUNCE_AUTHFAILURE, 0, NULL },
	{ "due to spf", BOUNCE_AUTHFAILURE, 0, NULL },
	{ "sender policy framework", BOUNCE_AUTHFAILURE, 0, NULL },
	{ "dmarc", BOUNCE_AUTHFAILURE, 0, NULL },
	{ "dkim", BOUNCE_AUTHFAILURE, 0, NULL },
	{ "is not allowed to send mail", BOUNCE_AUTHFAILURE, 0, NULL },
	{ "is not allowed to send from", BOUNCE_AUTHFAILURE, 0, NULL },
	/* the envelope sender, before the words of bad recipients */
	{ "sender address rejected", BOUNCE_REJECTED, 0, NULL },
	{ "sender rejected", BOUNCE_REJECTED, 0, NULL },
	{ "sender verify failed", BOUNCE_REJECTED, 0, NULL },
	{ "invalid sender", BOUNCE_REJECTED, 0, NULL },
	{ "sender domain", BOUNCE_REJECTED, 0, NULL },
	{ "domain of sender", BOUNCE_REJECTED, 0, NULL },
	/* the address itself */
	{ "user unknown", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "unknown user", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "no such user", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "no such mailbox", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "no such recipient", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "no such person", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "no such address", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "no mailbox", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "unknown recipient", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "unknown address", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "unknown local part", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "address unknown", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "user doesn't have", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "user does not exist", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "mailbox does not exist", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "mailbox not found", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "mailbox unavailable", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "mailbox is unavailable", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "mailbox not available", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "mailbox invalid", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "invalid mailbox", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "invalid recipient", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "invalid address", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "recipient does not exist", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "address does not exist", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "address rejected: user", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "not a valid mailbox", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "not a valid recipient", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "is not a known user", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "no account by that name", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "does not exist here", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "doesn't exist", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "not listed in", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "recipient unknown", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "recipient not found", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "recipient rejected", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "bad destination mailbox", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "non-existent", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "nonexistent", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "user not exist", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "invalid final delivery userid", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "check if address is correct", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "could not be delivered to mobile", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "address couldn't be found", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "host unknown", BOUNCE_HOSTUNKNOWN, 0, NULL },
	{ "unknown host", BOUNCE_HOSTUNKNOWN, 0, NULL },
	{ "host not found", BOUNCE_HOSTUNKNOWN, 0, NULL },
	{ "domain not found", BOUNCE_HOSTUNKNOWN, 0, NULL },
	{ "no such domain", BOUNCE_HOSTUNKNOWN, 0, NULL },
	{ "domain does not exist", BOUNCE_HOSTUNKNOWN, 0, NULL },
	{ "unrouteable address", BOUNCE_HOSTUNKNOWN, 0, NULL },
	{ "unroutable address", BOUNCE_HOSTUNKNOWN, 0, NULL },
	{ "domain name not found", BOUNCE_HOSTUNKNOWN, 0, NULL },
	{ "name or service not known", BOUNCE_HOSTUNKNOWN, 0, NULL },
	{ "recipient domain must exist", BOUNCE_HOSTUNKNOWN, 0, NULL },
	{ "domain is not reachable", BOUNCE_HOSTUNKNOWN, 0, NULL },
	{ "null mx", BOUNCE_NOTACCEPT, 0, NULL },
	{ "no mx record found", BOUNCE_NOTACCEPT, 0, NULL },
	{ "no mx found", BOUNCE_NOTACCEPT, 0, NULL },
	{ "couldn't find a mail exchanger", BOUNCE_NOTACCEPT, 0, NULL },
	{ "indicated no smtp service", BOUNCE_NOTACCEPT, 0, NULL },
	{ "does not accept mail", BOUNCE_NOTACCEPT, 0, NULL },
	{ "not accepting mail", BOUNCE_NOTACCEPT, BC_PERM, NULL },
	{ "mail receiving disabled", BOUNCE_NOTACCEPT, 0, NULL },
	/* the sender: IP, PTR, envelope, content */
	{ "reverse dns", BOUNCE_REQUIREPTR, 0, NULL },
	{ "ptr record", BOUNCE_REQUIREPTR, 0, NULL },
	{ "cannot find your hostname", BOUNCE_REQUIREPTR, 0, NULL },
	{ "reputation", BOUNCE_BADREPUTATION, 0, NULL },
	{ "virus", BOUNCE_VIRUSDETECTED, 0, NULL },
	/* before "spam", which it contains */
	{ "spamhaus", BOUNCE_BLOCKED, 0, NULL },
	{ "spam", BOUNCE_SPAMDETECTED, 0, NULL },
	{ "unsolicited", BOUNCE_SPAMDETECTED, 0, NULL },
	{ "content rejected", BOUNCE_SPAMDETECTED, 0, NULL },
	{ "policy", BOUNCE_POLICYVIOLATION, 0, NULL },
	{ "sender is", BOUNCE_REJECTED, 0, NULL },
	{ "mail from", BOUNCE_REJECTED, 0, NULL },
	{ "rate limit", BOUNCE_RATELIMITED, 0, NULL },
	{ "too fast", BOUNCE_RATELIMITED, 0, NULL },
	{ "try again slower", BOUNCE_RATELIMITED, 0, NULL },
	{ "too many connections", BOUNCE_TOOMANYCONN, 0, NULL },
	{ "too many recipients", BOUNCE_TOOMANYCONN, 0, NULL },
	{ "connection limit", BOUNCE_TOOMANYCONN, 0, NULL },
	{ "blacklist", BOUNCE_BLOCKED, 0, NULL },
	{ "blocklist", BOUNCE_BLOCKED, 0, NULL },
	{ "block list", BOUNCE_BLOCKED, 0, NULL },
	{ "dnsbl", BOUNCE_BLOCKED, 0, NULL },
	{ "rbl", BOUNCE_BLOCKED, 0, NULL },
	{ "client host rejected", BOUNCE_BLOCKED, 0, NULL },
	{ "helo command rejected", BOUNCE_BLOCKED, 0, NULL },
	{ "your ip", BOUNCE_BLOCKED, 0, NULL },
	{ "blocked", BOUNCE_BLOCKED, 0, NULL },
	{ "authentication required", BOUNCE_SECURITYERROR, 0, NULL },
	{ "authentication failed", BOUNCE_SECURITYERROR, 0, NULL },
	{ "starttls", BOUNCE_SECURITYERROR, 0, NULL },
	{ "smtp authentication", BOUNCE_SECURITYERROR, 0, NULL },
	/*
	 * A bare "Access denied" (Sendmail's access map, Exchange Online's
	 * "All recipient addresses rejected : Access denied") refuses the
	 * sender; Microsoft's "Recipient address rejected: Access denied"
	 * is a provider row above, "Client host rejected" a row above.
	 */
	{ "access denied", BOUNCE_REJECTED, 0, NULL },
	{ "message filtered", BOUNCE_FILTERED, 0, NULL },
	{ "refuse", BOUNCE_FILTERED, 0, NULL },
	{ "not authorized", BOUNCE_FILTERED, 0, NULL },
	/* a header's fault, not any mention of headers */
	{ "header error", BOUNCE_CONTENTERROR, 0, NULL },
	{ "invalid header", BOUNCE_CONTENTERROR, 0, NULL },
	{ "header is not", BOUNCE_CONTENTERROR, 0, NULL },
	{ "headers are not", BOUNCE_CONTENTERROR, 0, NULL },
	{ "header are not", BOUNCE_CONTENTERROR, 0, NULL },
	/* the path */
	{ "delivery time expired", BOUNCE_EXPIRED, 0, NULL },
	{ "expired", BOUNCE_EXPIRED, 0, NULL },
	{ "retry timeout exceeded", BOUNCE_EXPIRED, 0, NULL },
	{ "gave up after", BOUNCE_EXPIRED, 0, NULL },
	{ "giving up", BOUNCE_EXPIRED, 0, NULL },
	{ "after multiple retries", BOUNCE_EXPIRED, 0, NULL },
	{ "was aborted after", BOUNCE_EXPIRED, 0, NULL },
	{ "did not accept our requests to connect", BOUNCE_EXPIRED, 0,
	    NULL },
	{ "warning message only", BOUNCE_EXPIRED, 0, NULL },
	{ "in the queue too long", BOUNCE_EXPIRED, 0, NULL },
	{ "could not be delivered for", BOUNCE_EXPIRED, 0, NULL },
	{ "has been delayed", BOUNCE_EXPIRED, 0, NULL },
	{ "timed out", BOUNCE_EXPIRED, 0, NULL },
	{ "mail loop", BOUNCE_NETWORKERROR, 0, NULL },
	{ "loops back", BOUNCE_NETWORKERROR, 0, NULL },
	{ "too many hops", BOUNCE_NETWORKERROR, 0, NULL },
	{ "routing loop", BOUNCE_NETWORKERROR, 0, NULL },
	{ "forwarding loop", BOUNCE_NETWORKERROR, 0, NULL },
	{ "no route to host", BOUNCE_NETWORKERROR, 0, NULL },
	{ "connection refused", BOUNCE_NETWORKERROR, 0, NULL },
	{ "host lookup failure", BOUNCE_NETWORKERROR, 0, NULL },
	{ "configuration error", BOUNCE_SYSTEMERROR, 0, NULL },
	{ "system error", BOUNCE_SYSTEMERROR, 0, NULL },
	{ "local error", BOUNCE_SYSTEMERROR, 0, NULL },
	{ "internal error", BOUNCE_SYSTEMERROR, 0, NULL },
	{ "temporary local problem", BOUNCE_SYSTEMERROR, 0, NULL },
	{ "insufficient system storage", BOUNCE_SYSTEMFULL, 0, NULL },
	{ "mail system full", BOUNCE_SYSTEMFULL, 0, NULL },
	{ "unknown mailer error", BOUNCE_MAILERERROR, 0, NULL },
	{ "command died", BOUNCE_MAILERERROR, 0, NULL },
	{ "exit status", BOUNCE_MAILERERROR, 0, NULL },
	/*
	 * Postfix's "Recipient address rejected:" heads any reason (access
	 * denied, not authorized, system error, locked): the words after
	 * it decide first.
	 */
	{ "address rejected", BOUNCE_USERUNKNOWN, 0, NULL },
};

/* Subject digits when no row decided (RFC 3463 §3). */
static const enum bounce_reason bc_subject[8] = {
	BOUNCE_UNDEFINED,	/* X.0 other */
	BOUNCE_USERUNKNOWN,	/* X.1 addressing */
	BOUNCE_FILTERED,	/* X.2 mailbox */
	BOUNCE_SYSTEMERROR,	/* X.3 mail system */
	BOUNCE_NETWORKERROR,	/* X.4 network and routing */
	BOUNCE_SYNTAXERROR,	/* X.5 protocol */
	BOUNCE_CONTENTERROR,	/* X.6 content */
	BOUNCE_SECURITYERROR,	/* X.7 security or policy */
};

static int	bc_host_ends(const char *, const char *);
static int	bc_text_match(const char *, int, const char *, int,
		    enum bounce_reason *, const char **);
static int	bc_code_match(const char *, int, enum bounce_reason *,
		    const char **);
static enum bounce_reason bc_fallback(int, const char *, const char **);
static void	bc_lower(const char *, char *, size_t);
static int	bc_after_data(const char *);
static size_t	bc_ws_at(const char *, size_t, size_t, const char *);
static int	bc_ws_find(const char *, size_t, const char *);
static enum bounce_cmd bc_cmd_word(const char *, size_t);
static enum bounce_cmd bc_cmd_transcript(const char *, size_t);
static enum bounce_reason bc_by_command(enum bounce_reason,
		    enum bounce_cmd, const char *, const char *, const char *,
		    const char *, const char **);

static void
bc_lower(const char *s, char *out, size_t outsz)
{
	size_t	i, o = 0;

	for (i = 0; s != NULL && s[i] != '\0' && o + 1 < outsz; i++) {
		if (isspace((unsigned char)s[i])) {
			if (o > 0 && out[o - 1] == ' ')
				continue;
			out[o++] = ' ';
		} else
			out[o++] = (char)tolower((unsigned char)s[i]);
	}
	out[o] = '\0';
}
/* The text says the refusal came at the end of DATA (Postfix, Exim). */
static int
bc_after_data(const char *lt)
{
	return strstr(lt, "end of data") != NULL ||
	    strstr(lt, "after end of data") != NULL ||
	    strstr(lt, "in reply to data command") != NULL;
}

/*
 * s (n bytes) has needle at i, in any case, a space of needle matching
 * any run of white space (bounces fold "end of DATA\n    command").
 */
static size_t
bc_ws_at(const char *s, size_t n, size_t i, const char *needle)
{
	size_t	j = i;

	for (; *needle != '\0'; needle++) {
		if (*needle == ' ') {
			if (j >= n || !isspace((unsigned char)s[j]))
				return 0;
			while (j < n && isspace((unsigned char)s[j]))
				j++;
		} else if (j >= n || tolower((unsigned char)s[j]) != *needle)
			return 0;
		else
			j++;
	}
	return j - i;
}

static int
bc_ws_find(const char *s, size_t n, const char *needle)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (bc_ws_at(s, n, i, needle) > 0)
			return 1;
	return 0;
}

/* The command of a transcript line's verb (">>> RCPT To:<a@b>"). */
static enum bounce_cmd
bc_cmd_word(const char *s, size_t n)
{
	static const struct {
		const char	*word;
		enum bounce_cmd	 cmd;
	} words[] = {
		{ "data", BOUNCE_CMD_DATA }, { ".", BOUNCE_CMD_DATA },
		{ "rcpt", BOUNCE_CMD_RCPT }, { "mail", BOUNCE_CMD_MAIL },
		{ "helo", BOUNCE_CMD_CONN }, { "ehlo", BOUNCE_CMD_CONN },
		{ "starttls", BOUNCE_CMD_CONN }, { "auth", BOUNCE_CMD_CONN },
	};
	size_t	i, k;

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	for (i = 0; i < NELEM(words); i++) {
		k = strlen(words[i].word);
		if (n >= k && strncasecmp(s, words[i].word, k) == 0 &&
		    (n == k || !isalpha((unsigned char)s[k])))
			return words[i].cmd;
	}
	return BOUNCE_CMD_UNKNOWN;
}

/*
 * A session transcript (Sendmail, Courier, Sisimai's X-* MTAs): the
 * last ">>> COMMAND" line before the first "<<< 4xx/5xx" reply, or
 * the line under an "SMTP command" heading (mFILTER).  With PIPELINING
 * (RFC 2920) Sendmail writes ">>> DATA" once for RCPT and DATA sent
 * together: when another "<<<" reply follows the failure before the
 * next ">>>" (the DATA reply, "554 no valid recipients"), the failure
 * answered RCPT.
 */
static enum bounce_cmd
bc_cmd_transcript(const char *s, size_t n)
{
	enum bounce_cmd	 last = BOUNCE_CMD_UNKNOWN;
	size_t		 i = 0, e, k;
	int		 failed = 0, sent, got;

	while (i < n) {
		for (e = i; e < n && s[e] != '\n'; e++)
			;
		for (k = i; k < e && (s[k] == ' ' || s[k] == '\t'); k++)
			;
		sent = e - k > 4 && strncmp(s + k, ">>> ", 4) == 0;
		got = e - k > 4 && strncmp(s + k, "<<< ", 4) == 0;
		if (failed && (sent || got))
			return got && last == BOUNCE_CMD_DATA ?
			    BOUNCE_CMD_RCPT : last;
		if (sent)
			last = bc_cmd_word(s + k + 4, e - k - 4);
		else if (got && (s[k + 4] == '4' || s[k + 4] == '5') &&
		    last != BOUNCE_CMD_UNKNOWN)
			failed = 1;
		else if (!failed && e - k >= 12 && e + 1 < n &&
		    strncasecmp(s + e - 12, "smtp command", 12) == 0 &&
		    (last = bc_cmd_word(s + e + 1, n - e - 1)) !=
		    BOUNCE_CMD_UNKNOWN)
			return last;
		i = e + 1;
	}
	return failed ? last : BOUNCE_CMD_UNKNOWN;
}

enum bounce_cmd
bounce_command(const char *s, size_t n)
{
	static const struct {
		const char	*needle;	/* lower case */
		enum bounce_cmd	 cmd;
	} rows[] = {
		/* Postfix */
		{ "in reply to end of data command", BOUNCE_CMD_DATA },
		{ "in reply to data command", BOUNCE_CMD_DATA },
		{ "in reply to rcpt to command", BOUNCE_CMD_RCPT },
		{ "in reply to mail from command", BOUNCE_CMD_MAIL },
		{ "in reply to helo command", BOUNCE_CMD_CONN },
		{ "in reply to ehlo command", BOUNCE_CMD_CONN },
		/* Exim */
		{ "after end of data", BOUNCE_CMD_DATA },
		{ "server after data", BOUNCE_CMD_DATA },
		{ "after rcpt to:", BOUNCE_CMD_RCPT },
		{ "after pipelined rcpt to:", BOUNCE_CMD_RCPT },
		{ "after mail from:", BOUNCE_CMD_MAIL },
		{ "after pipelined mail from:", BOUNCE_CMD_MAIL },
		{ "after initial connection", BOUNCE_CMD_CONN },
		{ "after ehlo", BOUNCE_CMD_CONN },
		{ "after helo", BOUNCE_CMD_CONN },
		/* qmail-remote */
		{ "but sender was rejected", BOUNCE_CMD_MAIL },
		{ "but my name was rejected", BOUNCE_CMD_CONN },
		{ "but greeting failed", BOUNCE_CMD_CONN },
	};
	enum bounce_cmd	 c;
	size_t		 i;

	if (s == NULL)
		return BOUNCE_CMD_UNKNOWN;
	if ((c = bc_cmd_transcript(s, n)) != BOUNCE_CMD_UNKNOWN)
		return c;
	for (i = 0; i < NELEM(rows); i++)
		if (bc_ws_find(s, n, rows[i].needle))
			return rows[i].cmd;
	return BOUNCE_CMD_UNKNOWN;
}

/*
 * What the command changes (Sisimai's Reason::UserUnknown and
 * Reason::Filtered): a user-unknown text answering DATA, after RCPT was
 * accepted, is a filter, unless an X.1.x code says the mailbox is bad;
 * answering MAIL FROM it is the envelope sender that does not exist.
 * NTT Docomo (Sisimai's Rhost::NTTDocomo) answers the end of DATA with
 * "550 Unknown user" and 5.0.0 when the recipient refuses the sender
 * (its "receiving rejection" setting): rejected.  Provider rows and
 * strong codes (step 1, 2) are not overruled.
 */
static enum bounce_reason
bc_by_command(enum bounce_reason r, enum bounce_cmd cmd, const char *enh,
    const char *text, const char *lt, const char *mx, const char **rule)
{
	if (cmd == BOUNCE_CMD_ANY) {
		if (r == BOUNCE_USERUNKNOWN && bc_after_data(lt)) {
			*rule = "user unknown after DATA";
			return BOUNCE_FILTERED;
		}
		return r;
	}
	if (cmd == BOUNCE_CMD_UNKNOWN)
		cmd = bounce_command(text, strlen(text));
	if (cmd == BOUNCE_CMD_DATA && r == BOUNCE_USERUNKNOWN &&
	    (enh == NULL || strncmp(enh + 1, ".1.", 3) != 0)) {
		*rule = "user unknown after DATA";
		if (bc_host_ends(mx, ".docomo.ne.jp") && enh != NULL &&
		    strcmp(enh, "5.0.0") == 0)
			return BOUNCE_REJECTED;
		return BOUNCE_FILTERED;
	}
	if (cmd == BOUNCE_CMD_MAIL && (r == BOUNCE_USERUNKNOWN ||
	    r == BOUNCE_HOSTUNKNOWN)) {
		*rule = "unknown address after MAIL FROM";
		return BOUNCE_REJECTED;
	}
	return r;
}

static int
bc_host_ends(const char *mx, const char *suffix)
{
	size_t	n, k;

	if (suffix == NULL)
		return 1;
	if (mx == NULL)
		return 0;
	n = strlen(mx);
	k = strlen(suffix);
	if (n > 0 && mx[n - 1] == '.')
		n--;
	return n >= k && strncasecmp(mx + n - k, suffix, k) == 0;
}

/* First bc_text row with (or without) BC_PROVIDER found in lt. */
static int
bc_text_match(const char *lt, int provider, const char *mx, int code,
    enum bounce_reason *r, const char **rule)
{
	size_t	i;

	for (i = 0; i < NELEM(bc_text); i++) {
		if (((bc_text[i].flags & BC_PROVIDER) != 0) != provider)
			continue;
		if ((bc_text[i].flags & BC_PERM) && code / 100 != 5)
			continue;
		if (!bc_host_ends(mx, bc_text[i].mx) ||
		    strstr(lt, bc_text[i].needle) == NULL)
			continue;
		*r = bc_text[i].reason;
		*rule = bc_text[i].needle;
		return 1;
	}
	return 0;
}

static int
bc_code_match(const char *enh, int strong, enum bounce_reason *r,
    const char **rule)
{
	size_t	i;

	for (i = 0; enh != NULL && i < NELEM(bc_code); i++) {
		if (((bc_code[i].flags & BC_STRONG) != 0) != strong ||
		    strcmp(enh, bc_code[i].code) != 0)
			continue;
		*r = bc_code[i].reason;
		*rule = bc_code[i].code;
		return 1;
	}
	return 0;
}

/* Steps 5 and 6: the digits. */
static enum bounce_reason
bc_fallback(int code, const char *enh, const char **rule)
{
	int	sub;

	if (enh != NULL && enh[0] != '\0' && enh[1] == '.' &&
	    isdigit((unsigned char)enh[2]) && enh[3] == '.') {
		sub = enh[2] - '0';
		if (sub >= 1 && sub <= 7) {
			*rule = "subject digit";
			return bc_subject[sub];
		}
	}
	*rule = "basic code";
	switch (code) {
	case 552:
		return BOUNCE_MAILBOXFULL;	/* RFC 5321 §4.2.3 */
	case 556:
	case 521:
		return BOUNCE_NOTACCEPT;	/* RFC 7504, RFC 7505 */
	default:
		*rule = "none";
		return BOUNCE_UNDEFINED;
	}
}

void
bounce_classify(int code, const char *enhanced, const char *text,
    const char *mx, struct bounce_class *out)
{
	bounce_classify_cmd(code, enhanced, text, mx, BOUNCE_CMD_ANY, out);
}

void
bounce_classify_cmd(int code, const char *enhanced, const char *text,
    const char *mx, enum bounce_cmd cmd, struct bounce_class *out)
{
	char			 lt[BC_TEXT_MAX];
	const char		*enh = enhanced && *enhanced ? enhanced : NULL;
	enum bounce_reason	 r;
	const char		*rule = "none";

	bc_lower(text, lt, sizeof(lt));
	if (code == 0 && enh != NULL)
		code = (enh[0] - '0') * 100 + 50;
	if (!bc_text_match(lt, 1, mx, code, &r, &rule) &&
	    !bc_code_match(enh, 1, &r, &rule)) {
		if (!bc_text_match(lt, 0, mx, code, &r, &rule) &&
		    !bc_code_match(enh, 0, &r, &rule))
			r = bc_fallback(code, enh, &rule);
		r = bc_by_command(r, cmd, enh, text != NULL ? text : "", lt,
		    mx, &rule);
	}
	out->reason = r;
	out->fault = bc_info[r].fault;
	out->hard = bc_info[r].hard;
	/* a null MX or "no mail here" is final only when said as 5xx */
	if (r == BOUNCE_NOTACCEPT && code / 100 == 4)
		out->hard = 0;
	out->rule = rule;
}

int
bounce_suppress(const struct bounce_class *c)
{
	return c->hard && c->fault == BOUNCE_FAULT_RECIPIENT;
}

const char *
bounce_reason_name(enum bounce_reason r)
{
	if ((unsigned)r >= BOUNCE_NREASONS)
		return "undefined";
	return bc_info[r].name;
}

const char *
bounce_cmd_name(enum bounce_cmd c)
{
	static const char *const names[] = { "", "", "CONNECT", "MAIL",
	    "RCPT", "DATA" };

	if ((unsigned)c >= NELEM(names))
		return "";
	return names[c];
}

const char *
bounce_fault_name(enum bounce_fault f)
{
	static const char *const names[] = { "unknown", "recipient",
	    "sender" };

	if ((unsigned)f >= NELEM(names))
		return "unknown";
	return names[f];
}
