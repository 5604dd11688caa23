/*
 * bounce_rules: the classifier's tables (bounce_class_int.h).  The steps
 * that read them, and why the rows are in this order, are described at
 * the top of bounce_class.c; each row or group says where it comes from.
 */
#include <stddef.h>

#include "core/bounce_class.h"
#include "core/bounce_class_int.h"

#define R	BOUNCE_FAULT_RECIPIENT
#define S	BOUNCE_FAULT_SENDER
#define U	BOUNCE_FAULT_UNKNOWN
const struct bc_info bc_info[BOUNCE_NREASONS] = {
	[BOUNCE_UNDEFINED] =		{ "undefined", U, 0 },
	[BOUNCE_USERUNKNOWN] =		{ "userunknown", R, 1 },
	[BOUNCE_HOSTUNKNOWN] =		{ "hostunknown", R, 1 },
	[BOUNCE_HASMOVED] =		{ "hasmoved", R, 1 },
	[BOUNCE_NOTACCEPT] =		{ "notaccept", R, 1 },
	[BOUNCE_MAILBOXFULL] =		{ "mailboxfull", R, 0 },
	[BOUNCE_SUSPEND] =		{ "suspend", R, 0 },
	/* the recipient's own rules, or a user unknown said after DATA */
	[BOUNCE_FILTERED] =		{ "filtered", R, 0 },
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
const struct bc_code bc_code[] = {
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
const struct bc_text bc_text[] = {
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
	/*
	 * Gmail's generic 5.7.1 "... blocked"; a specific code it sends with
	 * the word (5.7.26 "the message has been blocked" for SPF) decides.
	 */
	{ "blocked", BOUNCE_BLOCKED, BC_PROVIDER | BC_UNDER, ".google.com" },
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
	/*
	 * and the other words of a pipe or a delivery agent that failed
	 * (Sisimai's Reason::MailerError): "Recipient address rejected:
	 * Mailer error", Sendmail's "|/path" and "command failed:".
	 */
	{ "mailer error", BOUNCE_MAILERERROR, 0, NULL },
	{ "command failed: ", BOUNCE_MAILERERROR, 0, NULL },
	{ "pipe to |/", BOUNCE_MAILERERROR, 0, NULL },
	{ " || exit ", BOUNCE_MAILERERROR, 0, NULL },
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
	/* Ipswitch IMail (Sisimai's Lhost::IMailServer) */
	{ "mailbox exceeds allowed size", BOUNCE_MAILBOXFULL, 0, NULL },
	{ "message too big", BOUNCE_MESGTOOBIG, 0, NULL },
	{ "message too large", BOUNCE_MESGTOOBIG, 0, NULL },
	{ "message size exceeds", BOUNCE_MESGTOOBIG, 0, NULL },
	{ "size limit", BOUNCE_MESGTOOBIG, 0, NULL },
	{ "exceeds administrative limit", BOUNCE_EXCEEDLIMIT, 0, NULL },
	{ "message length exceeds", BOUNCE_EXCEEDLIMIT, 0, NULL },
	{ "suspended", BOUNCE_SUSPEND, 0, NULL },
	/* vpopmail's vdelivermail: "account is locked email bounced" */
	{ "account is locked", BOUNCE_SUSPEND, 0, NULL },
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
	{ "not configured to relay", BOUNCE_NORELAYING, 0, NULL },
	/*
	 * SPF by what it says of the check, not the bare word: bounces
	 * advise "set up SPF records" when refusing for other reasons.
	 */
	/*
	 * Gmail's "Unauthenticated email from X is not accepted due to
	 * domain's DMARC policy" (cut before "DMARC" by some MTAs), pobox's
	 * "Bad SPF records for"
	 */
	{ "unauthenticated email", BOUNCE_AUTHFAILURE, 0, NULL },
	{ "bad spf records", BOUNCE_AUTHFAILURE, 0, NULL },
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
	/*
	 * RFC 3463 5.7.1's own words, "Delivery not authorized, message
	 * refused", before the bare "not authorized" of a recipient's rule
	 */
	{ "delivery not authorized", BOUNCE_SECURITYERROR, 0, NULL },
	/* SMTP AUTH demanded (Sisimai's Reason::SecurityError) */
	{ "unauthenticated senders not allowed", BOUNCE_SECURITYERROR, 0,
	    NULL },
	/* Gmail's "Send mail as" through another server, misconfigured */
	{ "from a different address or alias", BOUNCE_REJECTED, 0, NULL },
	/* the envelope sender, before the words of bad recipients */
	{ "sender address rejected", BOUNCE_REJECTED, 0, NULL },
	{ "sender rejected", BOUNCE_REJECTED, 0, NULL },
	{ "sender verify failed", BOUNCE_REJECTED, 0, NULL },
	{ "invalid sender", BOUNCE_REJECTED, 0, NULL },
	{ "sender domain", BOUNCE_REJECTED, 0, NULL },
	{ "domain of sender", BOUNCE_REJECTED, 0, NULL },
	/* a mailing list refusing a poster (fml, Mailman; Reason::Rejected) */
	{ "not a member of this mailing list", BOUNCE_REJECTED, 0, NULL },
	{ "not allowed to post to this mailing list", BOUNCE_REJECTED, 0,
	    NULL },
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
	/*
	 * HCL (Lotus) Notes and Domino in Japanese, "(user) is not in the
	 * directory's list" / "not found in the Domino directory" (Sisimai's
	 * Lhost::Notes, Lhost::Domino): as UTF-8, and as the ISO-2022-JP
	 * these servers send, lower-cased as the text is (bc_lower).
	 */
	{ "\xe3\x83\x87\xe3\x82\xa3\xe3\x83\xac\xe3\x82\xaf\xe3\x83\x88"
	    "\xe3\x83\xaa\xe3\x81\xae\xe3\x83\xaa\xe3\x82\xb9\xe3\x83\x88"
	    "\xe3\x81\xab\xe3\x81\x82\xe3\x82\x8a\xe3\x81\xbe\xe3\x81\x9b"
	    "\xe3\x82\x93", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "\xe3\x83\x87\xe3\x82\xa3\xe3\x83\xac\xe3\x82\xaf\xe3\x83\x88"
	    "\xe3\x83\xaa\xe3\x81\xab\xe3\x81\xaf\xe8\xa6\x8b\xe3\x81\xa4"
	    "\xe3\x81\x8b\xe3\x82\x8a\xe3\x81\xbe\xe3\x81\x9b\xe3\x82\x93",
	    BOUNCE_USERUNKNOWN, 0, NULL },
	{ "%g%#%l%/%h%j$n%j%9%h$k$\"$j$^$;$s", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "%g%#%l%/%h%j$k$o8+$d$+$j$^$;$s", BOUNCE_USERUNKNOWN, 0, NULL },
	/* and the other languages of Domino's "not listed in" */
	{ "no se encuentra en el directorio de domino", BOUNCE_USERUNKNOWN,
	    0, NULL },
	{ "pertori\xc3\xa9 dans l'annuaire domino", BOUNCE_USERUNKNOWN, 0,
	    NULL },
	{ "recipient unknown", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "recipient not found", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "recipient rejected", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "bad destination mailbox", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "non-existent", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "nonexistent", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "user not exist", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "user not found", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "invalid final delivery userid", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "check if address is correct", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "could not be delivered to mobile", BOUNCE_USERUNKNOWN, 0, NULL },
	{ "address couldn't be found", BOUNCE_USERUNKNOWN, 0, NULL },
	/*
	 * Name service trouble, not a domain that does not exist: Postfix's
	 * "Name service error ... Malformed or unexpected name server
	 * reply" and "Host not found, try again" (a SERVFAIL), Exchange's
	 * "DNS records ... could not be found" (Sisimai's
	 * Reason::NetworkError), before the words of an unknown host.
	 */
	{ "malformed or unexpected name server reply", BOUNCE_NETWORKERROR,
	    0, NULL },
	{ "malformed name server reply", BOUNCE_NETWORKERROR, 0, NULL },
	{ "host not found, try again", BOUNCE_NETWORKERROR, 0, NULL },
	{ "host name lookup failure", BOUNCE_NETWORKERROR, 0, NULL },
	{ "dns records for the destination computer could not be found",
	    BOUNCE_NETWORKERROR, 0, NULL },
	{ "unable to resolve route", BOUNCE_NETWORKERROR, 0, NULL },
	{ "host is unreachable", BOUNCE_NETWORKERROR, 0, NULL },
	{ "message probably in a routing loop", BOUNCE_NETWORKERROR, 0,
	    NULL },
	{ "hop count exceeded", BOUNCE_NETWORKERROR, 0, NULL },
	{ "host unknown", BOUNCE_HOSTUNKNOWN, 0, NULL },
	{ "unknown host", BOUNCE_HOSTUNKNOWN, 0, NULL },
	{ "host not found", BOUNCE_HOSTUNKNOWN, 0, NULL },
	/*
	 * "*" stands for any text: "host example.net not found" (DragonFly
	 * Mail Agent), qmail-remote's "Sorry, I couldn't find any host
	 * named", Sisimai's Reason::HostUnknown phrases
	 */
	{ "host * not found", BOUNCE_HOSTUNKNOWN, 0, NULL },
	{ "couldn't find any host named", BOUNCE_HOSTUNKNOWN, 0, NULL },
	{ "host or domain name not found", BOUNCE_HOSTUNKNOWN, 0, NULL },
	{ "mail domain mentioned in email address is unknown",
	    BOUNCE_HOSTUNKNOWN, 0, NULL },
	{ "unknown domain name", BOUNCE_HOSTUNKNOWN, 0, NULL },
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
	/* Sisimai's Reason::RequirePTR */
	{ "ip name lookup failed", BOUNCE_REQUIREPTR, 0, NULL },
	{ "unresolvable relay host name", BOUNCE_REQUIREPTR, 0, NULL },
	{ "reverse dns", BOUNCE_REQUIREPTR, 0, NULL },
	/* GMX: "Bad DNS PTR resource record" */
	{ "ptr resource record", BOUNCE_REQUIREPTR, 0, NULL },
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
	/* GoDaddy IB506, Sisimai's Reason::Rejected: the From: domain */
	{ "provide a valid from", BOUNCE_REJECTED, 0, NULL },
	/* Sender ID (RFC 4407) could not find the responsible address */
	{ "purported responsible address", BOUNCE_REJECTED, 0, NULL },
	{ "sender is", BOUNCE_REJECTED, 0, NULL },
	{ "mail from", BOUNCE_REJECTED, 0, NULL },
	/*
	 * connections, not messages: Postfix's "Connection rate limit
	 * exceeded", Tencent's "frequency limited" (service.mail.qq.com
	 * help 122/172-175, Sisimai's Rhost::Tencent)
	 */
	{ "connection rate limit", BOUNCE_TOOMANYCONN, 0, NULL },
	{ "frequency limited", BOUNCE_TOOMANYCONN, 0, NULL },
	{ "rate limit", BOUNCE_RATELIMITED, 0, NULL },
	/* the sender's relay (cPanel, smarthosts): "daily relay quota" */
	{ "relay quota", BOUNCE_RATELIMITED, 0, NULL },
	{ "too fast", BOUNCE_RATELIMITED, 0, NULL },
	{ "try again slower", BOUNCE_RATELIMITED, 0, NULL },
	{ "too many connections", BOUNCE_TOOMANYCONN, 0, NULL },
	{ "too many recipients", BOUNCE_TOOMANYCONN, 0, NULL },
	{ "connection limit", BOUNCE_TOOMANYCONN, 0, NULL },
	/*
	 * cPanel's Exim: "The account or domain may not exist, they may be
	 * blacklisted, or missing the proper dns entries": it does not know,
	 * so neither do we; not a block (it would count towards a pause) nor
	 * an unknown host (it would suppress), as Sisimai has it.
	 */
	{ "the account or domain may not exist", BOUNCE_UNDEFINED, 0,
	    NULL },
	/* Sisimai's Reason::Blocked: an IP the domain does not send from */
	{ "invalid ip for sending mail of domain", BOUNCE_BLOCKED, 0, NULL },
	/* a dynamic IP told to use its ISP's relay (Reason::Blocked) */
	{ "smtp server of your isp", BOUNCE_BLOCKED, 0, NULL },
	{ "blacklist", BOUNCE_BLOCKED, 0, NULL },
	{ "blocklist", BOUNCE_BLOCKED, 0, NULL },
	{ "block list", BOUNCE_BLOCKED, 0, NULL },
	{ "dnsbl", BOUNCE_BLOCKED, 0, NULL },
	{ "rbl", BOUNCE_BLOCKED, 0, NULL },
	/* Sisimai's Reason::Blocked (Mimecast's refusal of a network) */
	{ "host network not allowed", BOUNCE_BLOCKED, 0, NULL },
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
	 * it decide first, and then an enhanced code that names another
	 * subject than addressing (5.6.0 "Media error", BC_LAST).
	 */
	{ "address rejected", BOUNCE_USERUNKNOWN, BC_LAST, NULL },
};

/* Subject digits when no row decided (RFC 3463 §3). */
const enum bounce_reason bc_subject[8] = {
	BOUNCE_UNDEFINED,	/* X.0 other */
	BOUNCE_USERUNKNOWN,	/* X.1 addressing */
	BOUNCE_FILTERED,	/* X.2 mailbox */
	BOUNCE_SYSTEMERROR,	/* X.3 mail system */
	BOUNCE_NETWORKERROR,	/* X.4 network and routing */
	BOUNCE_SYNTAXERROR,	/* X.5 protocol */
	BOUNCE_CONTENTERROR,	/* X.6 content */
	BOUNCE_SECURITYERROR,	/* X.7 security or policy */
};

/*
 * Orange and La Poste's codes (bc_orange() in bounce_class.c): Sisimai's
 * Rhost::FrancePTT, after https://www.postmastery.com/orange-postmaster-
 * smtp-error-codes-ofr/.  UNDEFINED rows: "Service refused, please try
 * later", "Mail rejected" without a cause.
 */
const struct bc_orange bc_orange_codes[] = {
	{ 101, BOUNCE_BLOCKED },	/* IP on a block list */
	{ 102, BOUNCE_BLOCKED },	/* IP blocked for spam */
	{ 103, BOUNCE_BLOCKED },
	{ 104, BOUNCE_TOOMANYCONN },	/* too many connections */
	{ 105, BOUNCE_UNDEFINED },
	{ 107, BOUNCE_UNDEFINED },
	{ 108, BOUNCE_UNDEFINED },
	{ 109, BOUNCE_UNDEFINED },
	{ 201, BOUNCE_UNDEFINED },
	{ 305, BOUNCE_SECURITYERROR },	/* authentication code invalid */
	{ 401, BOUNCE_AUTHFAILURE },	/* SPF */
	{ 402, BOUNCE_SECURITYERROR },	/* authentication required */
	{ 403, BOUNCE_REJECTED },	/* invalid sender */
	{ 405, BOUNCE_REJECTED },
	{ 415, BOUNCE_REJECTED },
	{ 416, BOUNCE_USERUNKNOWN },	/* invalid recipient */
	{ 417, BOUNCE_MAILBOXFULL },	/* recipient over quota */
	{ 420, BOUNCE_SUSPEND },	/* archived recipient */
	{ 421, BOUNCE_REJECTED },	/* mail from not owned by user */
	{ 423, BOUNCE_UNDEFINED },
	{ 424, BOUNCE_UNDEFINED },
	{ 426, BOUNCE_SUSPEND },	/* recipient account blocked */
	{ 505, BOUNCE_SYSTEMERROR },
	{ 506, BOUNCE_SPAMDETECTED },	/* mail rejected as spam */
	{ 510, BOUNCE_BLOCKED },
	{ 513, BOUNCE_UNDEFINED },
	{ 514, BOUNCE_MESGTOOBIG },
	{ 517, BOUNCE_AUTHFAILURE },	/* DMARC */
	{ 630, BOUNCE_POLICYVIOLATION },
	{ 999, BOUNCE_BLOCKED },
};

const size_t bc_ncode = NELEM(bc_code);
const size_t bc_norange = NELEM(bc_orange_codes);
const size_t bc_ntext = NELEM(bc_text);
