/*
 * bounce_class: why a delivery failed and whose fault it is
 * (bounce_class.h).
 *
 * The reasons follow Sisimai's taxonomy (sisimai/p5-sisimai
 * lib/Sisimai/Reason/ modules, BSD 2-clause; postern says "ratelimited"
 * where Sisimai says "speeding").  A failure is classified by the first
 * of these steps that decides:
 *
 *   0. Orange and La Poste's own codes ("OFR_506", "LPN007_420":
 *	bc_orange(), the table bc_orange_codes[] in bounce_rules.c).
 *   1. provider rows (bc_text[] with BC_PROVIDER): texts that name the
 *	cause better than their codes do, whatever the code (but a row
 *	with BC_UNDER yields to a strong code: Gmail's bare "blocked"
 *	with 5.7.26 is SPF): Gmail
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
 *	Rows with BC_LAST (Postfix's catch-all "Recipient address
 *	rejected:") yield to an enhanced code of another subject than
 *	addressing (X.2-X.7).  One "*" in a row stands for one word.
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
 * Last, an unknown host said as 4xx is a network error (a lookup that
 * failed for now; RFC 5321 §5.1 retries it), never suppressed.
 *
 * Texts are matched in lower case with white space runs made one space,
 * as bounces fold long replies, and the codes a multi-line reply repeats
 * inside its text dropped (bc_cont_len).  Some rows are placed for what they
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
 * hostunknown, hasmoved, notaccept, mailboxfull, suspend) and for
 * "filtered": the recipient's own rules refusing a sender (Japanese
 * carriers' reception filters, Gmail's "has blocked the messages from
 * this sender", Exchange's RESOLVER.RST.NotAuthorized, Facebook's
 * "recipient preferences") or a user unknown said after DATA (Sisimai's
 * Reason::Filtered: "almost the same as UserUnknown"); soft, so never
 * suppressed, and not the sender's, so never counted as a block.
 * Sender for what the receiver holds against the sender (blocks,
 * reputation, PTR, SPF/DKIM/DMARC, content, size, pace, the envelope
 * sender); unknown for the path (expired, network, system, relaying).
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
#include "core/bounce_class_int.h"

#define BC_TEXT_MAX	2048

static int	bc_host_ends(const char *, const char *);
static int	bc_find(const char *, const char *);
static int	bc_orange(const char *, enum bounce_reason *, const char **);
static int	bc_text_match(const char *, int, const char *, int,
		    const char *, enum bounce_reason *, const char **);
static int	bc_code_match(const char *, int, enum bounce_reason *,
		    const char **);
static enum bounce_reason bc_fallback(int, const char *, const char **);
static void	bc_lower(const char *, char *, size_t);
static size_t	bc_cont_len(const char *, const char *);
static int	bc_after_data(const char *);
static size_t	bc_ws_at(const char *, size_t, size_t, const char *);
static int	bc_ws_find(const char *, size_t, const char *);
static enum bounce_cmd bc_cmd_word(const char *, size_t);
static enum bounce_cmd bc_cmd_transcript(const char *, size_t);
static enum bounce_reason bc_by_command(enum bounce_reason,
		    enum bounce_cmd, const char *, const char *, const char *,
		    const char *, const char **);

/*
 * The length of a multi-line reply's repeated code at s ("550-5.7.26 ",
 * "550 5.7.1 "; RFC 5321 §4.2.1), code being the reply's first three
 * digits; 0 if there is none.
 */
static size_t
bc_cont_len(const char *s, const char *code)
{
	size_t	i = 4, d;

	if (strncmp(s, code, 3) != 0 || (s[3] != '-' && s[3] != ' '))
		return 0;
	if (!isdigit((unsigned char)s[i]) || s[i + 1] != '.')
		return i;
	for (d = 0, i += 2; isdigit((unsigned char)s[i]) || s[i] == '.'; i++)
		d += s[i] == '.';
	return d == 1 && isspace((unsigned char)s[i]) ? i + 1 : 0;
}

/*
 * s in lower case, each run of white space one space, and the codes a
 * folded multi-line reply repeats inside its text dropped ("has an SPF
 * record with a 550-5.7.26 hard fail policy"), so phrases match whole.
 */
static void
bc_lower(const char *s, char *out, size_t outsz)
{
	size_t	i, o = 0, k;
	char	code[4] = "";

	for (i = 0; s != NULL && isspace((unsigned char)s[i]); i++)
		;
	if (s != NULL && isdigit((unsigned char)s[i]) &&
	    isdigit((unsigned char)s[i + 1]) &&
	    isdigit((unsigned char)s[i + 2]))
		memcpy(code, s + i, 3);
	for (i = 0; s != NULL && s[i] != '\0' && o + 1 < outsz; i++) {
		if (isspace((unsigned char)s[i])) {
			if (o > 0 && out[o - 1] == ' ')
				continue;
			out[o++] = ' ';
		} else if (o > 0 && out[o - 1] == ' ' && code[0] != '\0' &&
		    (k = bc_cont_len(s + i, code)) > 0)
			i += k - 1;
		else
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

/*
 * Is needle in lt?  One "*" in needle, after some text, stands for one
 * word (no space): "host * not found".
 */
static int
bc_find(const char *lt, const char *needle)
{
	const char	*star = strchr(needle, '*'), *p, *q;
	size_t		 k;

	if (star == NULL || star == needle)
		return strstr(lt, needle) != NULL;
	k = (size_t)(star - needle);
	for (p = lt; *p != '\0'; p++) {
		if (strncmp(p, needle, k) != 0)
			continue;
		for (q = p + k; *q != '\0' && *q != ' '; q++)
			;
		if (q > p + k && strncmp(q, star + 1, strlen(star + 1)) == 0)
			return 1;
	}
	return 0;
}

/*
 * Orange and La Poste (France) end their replies with a code of their
 * own, "OFR_506 [506]", "LPN007_420", "OFR004_405", "OUK_513", whose
 * three last digits say why (postmastery.com's list of Orange codes, as
 * Sisimai's Rhost::FrancePTT reads them; bc_orange[] in bounce_rules.c).
 * A code listed without a reason ("Service refused, please try later")
 * is undefined: its words say nothing either.
 */
static int
bc_orange(const char *lt, enum bounce_reason *r, const char **rule)
{
	static const char *const prefixes[] = { "ofr", "lpn", "ouk" };
	const char	*p;
	size_t		 i, k;
	int		 num;

	for (i = 0; i < NELEM(prefixes); i++) {
		for (p = lt; (p = strstr(p, prefixes[i])) != NULL; p++) {
			if (p > lt && isalnum((unsigned char)p[-1]))
				continue;
			for (k = 3; isdigit((unsigned char)p[k]) ||
			    isalpha((unsigned char)p[k]); k++)
				;
			if ((p[k] != '_' && p[k] != '-') ||
			    !isdigit((unsigned char)p[k + 1]) ||
			    !isdigit((unsigned char)p[k + 2]) ||
			    !isdigit((unsigned char)p[k + 3]) ||
			    isalnum((unsigned char)p[k + 4]))
				continue;
			num = (p[k + 1] - '0') * 100 + (p[k + 2] - '0') * 10 +
			    (p[k + 3] - '0');
			for (k = 0; k < bc_norange; k++)
				if (bc_orange_codes[k].code == num) {
					*r = bc_orange_codes[k].reason;
					*rule = "Orange/La Poste code";
					return 1;
				}
		}
	}
	return 0;
}

/* First bc_text row with (or without) BC_PROVIDER found in lt. */
static int
bc_text_match(const char *lt, int provider, const char *mx, int code,
    const char *enh, enum bounce_reason *r, const char **rule)
{
	enum bounce_reason	 sr;
	const char		*srule;
	size_t			 i;
	int			 other, strong;

	/* an enhanced code of another subject than addressing (X.2-X.7) */
	other = enh != NULL && enh[1] == '.' && enh[2] >= '2' &&
	    enh[2] <= '7' && enh[3] == '.';
	strong = bc_code_match(enh, 1, &sr, &srule);
	for (i = 0; i < bc_ntext; i++) {
		if (((bc_text[i].flags & BC_PROVIDER) != 0) != provider)
			continue;
		if ((bc_text[i].flags & BC_PERM) && code / 100 != 5)
			continue;
		if ((bc_text[i].flags & BC_LAST) && other)
			continue;
		if ((bc_text[i].flags & BC_UNDER) && strong)
			continue;
		if (!bc_host_ends(mx, bc_text[i].mx) ||
		    !bc_find(lt, bc_text[i].needle))
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

	for (i = 0; enh != NULL && i < bc_ncode; i++) {
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
	case 501:
	case 502:
	case 503:
	case 504:
		/* RFC 5321 §4.2.2: syntax, sequence, not implemented */
		return BOUNCE_SYNTAXERROR;
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
	if (!bc_orange(lt, &r, &rule) &&
	    !bc_text_match(lt, 1, mx, code, enh, &r, &rule) &&
	    !bc_code_match(enh, 1, &r, &rule)) {
		if (!bc_text_match(lt, 0, mx, code, enh, &r, &rule) &&
		    !bc_code_match(enh, 0, &r, &rule))
			r = bc_fallback(code, enh, &rule);
		r = bc_by_command(r, cmd, enh, text != NULL ? text : "", lt,
		    mx, &rule);
	}
	/*
	 * An unknown host said as 4xx is a lookup that failed for now (a
	 * SERVFAIL, a time-out: RFC 5321 §5.1 retries it), not a domain
	 * known not to exist (Sisimai's Reason::NetworkError).
	 */
	if (r == BOUNCE_HOSTUNKNOWN && code / 100 == 4) {
		r = BOUNCE_NETWORKERROR;
		rule = "unknown host said as 4xx";
	}
	bounce_class_set(out, r, rule);
	/* a null MX or "no mail here" is final only when said as 5xx */
	if (r == BOUNCE_NOTACCEPT && code / 100 == 4)
		out->hard = 0;
}

void
bounce_class_set(struct bounce_class *out, enum bounce_reason r,
    const char *rule)
{
	if ((unsigned)r >= BOUNCE_NREASONS)
		r = BOUNCE_UNDEFINED;
	out->reason = r;
	out->fault = bc_info[r].fault;
	out->hard = bc_info[r].hard;
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
