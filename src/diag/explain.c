/*
 * explain: explain SMTP replies and IMAP responses from the knowledge
 * base (explain.h, kb.h); the bounce reader (explain_bounce.c) prints
 * each recipient's reply with the functions of explain_int.h.
 *
 * A reply is parsed with reply_parse_text() (RFC 5321 §4.2.1, RFC 2034
 * §4); when the text is not a reply as such ("Remote Server returned
 * '550 5.1.10 ...'"), the first diagnostic found in it is used.  The
 * output gives the reply, what its class and subject digits mean (RFC
 * 5321 §4.2.1, RFC 3463 §3), then the matching entries: provider, then
 * enhanced, then basic.  A diagnostic is "550 5.1.1 ..." at the start of
 * a line or after ':', a quote, '(' or ';'.
 *
 * Invariants: every copy goes through struct buf or a checked bounded
 * copy, and text from the input is printed with control characters
 * replaced, so a reply cannot drive the terminal.
 *
 * A pasted platform error ("Invalid login: 535 5.7.8 ...", "Greeting
 * never received", "Spam Folder Unknown"; platform_text.h) is explained
 * first by its wording, then by the SMTP reply or IMAP response it
 * carries, if any.
 *
 * Failure: text without a reply gives "not explained" (exit 1), never a
 * crash; a failed allocation gives "not explained" too.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/bounce_class.h"
#include "core/bounce_text.h"
#include "core/reply.h"
#include "diag/explain.h"
#include "diag/explain_int.h"
#include "diag/kb.h"
#include "diag/platform_text.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/util.h"

#define EX_WIDTH	78		/* text output width */

/* What the digits say, RFC 5321 §4.2.1 and RFC 3463 §3. */
static const char *const ex_class_text[6] = {
	[2] = "success: the server did what was asked",
	[3] = "intermediate: the server waits for more input",
	[4] = "temporary failure: it may work later, and mail servers retry",
	[5] = "permanent failure: the same action will fail again",
};
static const char *const ex_second_text[6] = {
	[0] = "syntax", [1] = "information", [2] = "connection",
	[3] = "unspecified", [4] = "unspecified", [5] = "mail system",
};
static const char *const ex_eclass_text[6] = {
	[2] = "success",
	[4] = "persistent transient failure",
	[5] = "permanent failure",
};
static const char *const ex_subject_text[8] = {
	"0, other or undefined status",
	"1, addressing: the sender's or the recipient's address",
	"2, mailbox: the recipient's mailbox",
	"3, mail system: the destination system",
	"4, network and routing",
	"5, mail delivery protocol",
	"6, message content or media",
	"7, security or policy",
};


static void	ex_put(FILE *, const char *, size_t);
static const char *ex_subject(const char *);
static void	ex_digits_text(FILE *, int, int, const char *);
static void	ex_digits_json(struct json *, int, const char *);
static const char *ex_imap_at(const char *);
static int	ex_imap_parse(struct reply *, const char *);
static int	ex_explain_imap_text(FILE *, const struct reply *,
		    const char *);
static void	ex_platform_text(FILE *, const struct platform_text *);
static void	ex_platform_json(struct json *,
		    const struct platform_text *);

/* ---- output helpers ------------------------------------------------- */

/* Write n bytes of untrusted text with control characters replaced. */
static void
ex_put(FILE *out, const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		unsigned char	c = (unsigned char)s[i];

		fputc(c < 0x20 || c == 0x7f ? '?' : c, out);
	}
}

/*
 * Print prefix then text, wrapped at EX_WIDTH; later lines are indented
 * by indent columns.  A newline in text starts a new line.
 */
void
explain_wrap(FILE *out, int indent, const char *prefix, const char *text)
{
	const char	*p = text;
	size_t		 col = strlen(prefix), w;
	int		 at_start = 1;

	fputs(prefix, out);
	while (*p != '\0') {
		if (*p == '\n') {
			fprintf(out, "\n%*s", indent, "");
			col = (size_t)indent;
			at_start = 1;
			p++;
			continue;
		}
		if (*p == ' ' || *p == '\t') {
			p++;
			continue;
		}
		w = strcspn(p, " \t\n");
		if (!at_start && col + 1 + w > EX_WIDTH) {
			fprintf(out, "\n%*s", indent, "");
			col = (size_t)indent;
			at_start = 1;
		}
		if (!at_start) {
			fputc(' ', out);
			col++;
		}
		ex_put(out, p, w);
		col += w;
		p += w;
		at_start = 0;
	}
	fputc('\n', out);
}

/* The subject of a valid enhanced code (RFC 3463 §3: 0 to 7 assigned). */
static const char *
ex_subject(const char *enhanced)
{
	if (enhanced[3] != '.' || enhanced[2] > '7')
		return "unassigned subject";
	return ex_subject_text[enhanced[2] - '0'];
}

static void
ex_digits_text(FILE *out, int indent, int code, const char *enhanced)
{
	char	line[256], pre[32];

	(void)util_snprintf(pre, sizeof(pre), "%*s", indent, "");

	if (code >= 200 && code <= 599) {
		(void)util_snprintf(line, sizeof(line), "%d: class %d, %s "
		    "(second digit %d: %s)", code, code / 100,
		    ex_class_text[code / 100], code / 10 % 10,
		    ex_second_text[code / 10 % 10]);
		explain_wrap(out, indent + 2, pre, line);
	}
	if (enhanced[0] != '\0') {
		(void)util_snprintf(line, sizeof(line), "%s: class %c, %s; "
		    "subject %s", enhanced, enhanced[0],
		    ex_eclass_text[enhanced[0] - '0'], ex_subject(enhanced));
		explain_wrap(out, indent + 2, pre, line);
		if (code != 0 && code / 100 != enhanced[0] - '0')
			explain_wrap(out, indent + 2, pre, "Note: the reply "
			    "code and the enhanced code differ in class; the "
			    "reply code decides what the client does.");
	}
}

static void
ex_digits_json(struct json *j, int code, const char *enhanced)
{
	char	sub[2] = { 0, 0 };

	json_key(j, "class");
	if (code >= 200 && code <= 599) {
		json_obj_begin(j);
		json_kint(j, "digit", code / 100);
		json_kstr(j, "meaning", ex_class_text[code / 100]);
		json_kstr(j, "second_digit", ex_second_text[code / 10 % 10]);
		json_obj_end(j);
	} else
		json_write_null(j);
	json_key(j, "subject");
	if (enhanced[0] != '\0') {
		sub[0] = enhanced[2];
		json_obj_begin(j);
		json_kstr(j, "class", ex_eclass_text[enhanced[0] - '0']);
		json_kstr(j, "digit", enhanced[3] == '.' ? sub : "");
		json_kstr(j, "meaning", ex_subject(enhanced));
		json_obj_end(j);
	} else
		json_write_null(j);
}

void
explain_entry_text(FILE *out, int in, const char *label,
    const struct kb_entry *e)
{
	char	pre[64], head[512];
	size_t	i;

	(void)util_snprintf(head, sizeof(head), "%s [%s]: %s", label, e->key,
	    e->title);
	fprintf(out, "\n%*s", in, "");
	explain_wrap(out, in + 2, "", head);
	(void)util_snprintf(pre, sizeof(pre), "%*sMeaning:    ", in + 2, "");
	explain_wrap(out, in + 14, pre, e->meaning);
	fprintf(out, "%*sWhose side: %s (%s)\n", in + 2, "",
	    kb_side_name(e->side), kb_side_text(e->side));
	fprintf(out, "%*sLikely causes, most likely first:\n", in + 2, "");
	for (i = 0; i < e->ncauses; i++) {
		(void)util_snprintf(pre, sizeof(pre), "%*s%zu. ", in + 4, "",
		    i + 1);
		explain_wrap(out, in + 7, pre, e->causes[i]);
	}
	fprintf(out, "%*sWhat to do:\n", in + 2, "");
	for (i = 0; i < e->nfixes; i++) {
		(void)util_snprintf(pre, sizeof(pre), "%*s- ", in + 4, "");
		explain_wrap(out, in + 6, pre, e->fixes[i]);
	}
	(void)util_snprintf(pre, sizeof(pre), "%*sSources:    ", in + 2, "");
	explain_wrap(out, in + 14, pre, e->sources);
}

void
explain_entry_json(struct json *j, const char *kind,
    const struct kb_entry *e)
{
	size_t	i;

	json_obj_begin(j);
	json_kstr(j, "kind", kind);
	json_kstr(j, "key", e->key);
	if (e->provider != NULL)
		json_kstr(j, "provider", e->provider);
	json_kstr(j, "title", e->title);
	json_kstr(j, "meaning", e->meaning);
	json_kstr(j, "side", kb_side_name(e->side));
	json_kstr(j, "side_text", kb_side_text(e->side));
	json_key(j, "causes");
	json_arr_begin(j);
	for (i = 0; i < e->ncauses; i++)
		json_str(j, e->causes[i]);
	json_arr_end(j);
	json_key(j, "fixes");
	json_arr_begin(j);
	for (i = 0; i < e->nfixes; i++)
		json_str(j, e->fixes[i]);
	json_arr_end(j);
	json_kstr(j, "sources", e->sources);
	json_obj_end(j);
}

/* The explanation of one parsed reply; 1 if the KB matched. */
int
explain_out_text(FILE *out, int in, const struct reply *r, const char *all)
{
	struct kb_match	m;
	char		code[8] = "", pre[64];

	kb_lookup(r->code, r->enhanced[0] ? r->enhanced : NULL, all, &m);
	if (r->code != 0)
		(void)util_snprintf(code, sizeof(code), "%d", r->code);
	fprintf(out, "%*sReply:      %s%s%s\n", in, "", code,
	    code[0] && r->enhanced[0] ? " " : "", r->enhanced);
	if (r->text[0] != '\0') {
		(void)util_snprintf(pre, sizeof(pre), "%*sText:       ", in,
		    "");
		explain_wrap(out, in + 12, pre, r->text);
	}
	fprintf(out, "%*sDigits:\n", in, "");
	ex_digits_text(out, in + 2, r->code, r->enhanced);
	if (m.provider != NULL)
		explain_entry_text(out, in, "Provider reply", m.provider);
	if (m.enhanced != NULL)
		explain_entry_text(out, in, "Enhanced code", m.enhanced);
	if (m.basic != NULL)
		explain_entry_text(out, in, "Reply code", m.basic);
	if (m.provider == NULL && m.enhanced == NULL && m.basic == NULL) {
		fputc('\n', out);
		explain_wrap(out, in + 2, "", "Not in the knowledge base: only "
		    "the digits above can be explained.");
		return 0;
	}
	return 1;
}

int
explain_out_json(struct json *j, const struct reply *r, const char *all)
{
	struct kb_match	m;

	kb_lookup(r->code, r->enhanced[0] ? r->enhanced : NULL, all, &m);
	json_key(j, "reply");
	json_obj_begin(j);
	json_key(j, "code");
	if (r->code != 0)
		json_int(j, r->code);
	else
		json_write_null(j);
	json_key(j, "enhanced");
	if (r->enhanced[0] != '\0')
		json_str(j, r->enhanced);
	else
		json_write_null(j);
	json_kstr(j, "text", r->text);
	json_obj_end(j);
	ex_digits_json(j, r->code, r->enhanced);
	json_kbool(j, "explained", m.provider || m.enhanced || m.basic);
	json_key(j, "matches");
	json_arr_begin(j);
	if (m.provider != NULL)
		explain_entry_json(j, "provider", m.provider);
	if (m.enhanced != NULL)
		explain_entry_json(j, "enhanced", m.enhanced);
	if (m.basic != NULL)
		explain_entry_json(j, "basic", m.basic);
	json_arr_end(j);
	return m.provider || m.enhanced || m.basic;
}

/*
 * The reason, fault and hard/soft of a failure (core/bounce_class.h),
 * classified on the whole text all; mx names the answering host.
 * Nothing for a reply that is not a failure.
 */
static int
ex_is_failure(const struct reply *r)
{
	return r->code >= 400 || r->enhanced[0] == '4' ||
	    r->enhanced[0] == '5';
}

void
explain_class_text(FILE *out, int in, const struct reply *r,
    const char *all, const char *mx, int cmd)
{
	struct bounce_class	c;

	if (!ex_is_failure(r))
		return;
	bounce_classify_cmd(r->code, r->enhanced, all, mx,
	    (enum bounce_cmd)cmd, &c);
	explain_class_print(out, in, &c);
}

/* A classification already made (the bounce parser's, for one rcpt). */
void
explain_class_print(FILE *out, int in, const struct bounce_class *c)
{
	char	line[160];

	(void)util_snprintf(line, sizeof(line), "%s, %s, fault: %s%s",
	    bounce_reason_name(c->reason), c->hard ? "hard" : "soft",
	    bounce_fault_name(c->fault), bounce_suppress(c) ?
	    " (the address goes to the suppression list)" : "");
	fprintf(out, "%*sBounce:     %s\n", in, "", line);
}

void
explain_class_json(struct json *j, const struct reply *r, const char *all,
    const char *mx, int cmd)
{
	struct bounce_class	c;

	if (!ex_is_failure(r))
		return;
	bounce_classify_cmd(r->code, r->enhanced, all, mx,
	    (enum bounce_cmd)cmd, &c);
	explain_class_put(j, &c);
}

void
explain_class_put(struct json *j, const struct bounce_class *c)
{
	json_kstr(j, "reason", bounce_reason_name(c->reason));
	json_kstr(j, "fault", bounce_fault_name(c->fault));
	json_kbool(j, "hard", c->hard);
	json_kbool(j, "suppress", bounce_suppress(c));
}

int
explain_json_flush(FILE *out, struct buf *b, struct json *j)
{
	if (json_finish(j) == -1)
		return -1;
	fwrite(buf_str(b), 1, b->len, out);
	fputc('\n', out);
	return 0;
}

/*
 * The status word of an IMAP response at p: "NO ...", "[CODE] ..." or
 * the same after a tag ("a1 NO ..."); NULL if p holds none.
 */
static const char *
ex_imap_at(const char *p)
{
	static const char *const conds[] = { "OK", "NO", "BAD", "BYE",
	    "PREAUTH" };
	const char	*w[2];
	size_t		 i, k, n;

	while (*p == ' ' || *p == '\t')
		p++;
	w[0] = p;
	w[1] = p + strcspn(p, " ");
	w[1] += *w[1] == ' ';
	for (k = 0; k < 2 && w[k][0] != '\0'; k++) {
		if (w[k][0] == '[' && isupper((unsigned char)w[k][1]))
			return w[k];
		n = strcspn(w[k], " ");
		for (i = 0; i < sizeof(conds) / sizeof(conds[0]); i++)
			if (strlen(conds[i]) == n &&
			    strncmp(w[k], conds[i], n) == 0)
				return w[k];
	}
	return NULL;
}

/*
 * An IMAP response line (RFC 9051 §7.1), with or without its tag: "a1
 * NO [AUTHENTICATIONFAILED] text", "* BYE text", "NO text", or as
 * clients quote it, "[ALERT] text", or after a ": " as platforms do
 * ("IMAP connection failed: a1 NO [AUTHENTICATIONFAILED] ...").  Status
 * words are taken in upper case only, so prose is not mistaken for one.
 * r gets code 0 and the text from the status word (or '[') on.  0 or -1.
 */
static int
ex_imap_parse(struct reply *r, const char *s)
{
	const char	*p = ex_imap_at(s), *c = s;

	while (p == NULL && (c = strstr(c, ": ")) != NULL)
		p = ex_imap_at(c += 2);
	if (p == NULL)
		return -1;
	reply_init(r);
	(void)util_strlcpy(r->text, p, sizeof(r->text));
	return 0;
}

/* An IMAP response: no digits to explain, only its text. */
static int
ex_explain_imap_text(FILE *out, const struct reply *r, const char *all)
{
	struct kb_match	m;

	kb_lookup(0, NULL, all, &m);
	explain_wrap(out, 12, "IMAP:       ", r->text);
	if (m.provider != NULL) {
		explain_entry_text(out, 0, "IMAP response", m.provider);
		return 1;
	}
	fputc('\n', out);
	explain_wrap(out, 2, "", "An IMAP response, not in the knowledge "
	    "base.");
	return 0;
}

/* A platform's text: who shows it, the layer, then its entry. */
static void
ex_platform_text(FILE *out, const struct platform_text *p)
{
	explain_wrap(out, 12, "Platform:   ", p->client);
	explain_wrap(out, 12, "Layer:      ", p->layer);
	explain_entry_text(out, 0, "Platform text", &p->entry);
}

static void
ex_platform_json(struct json *j, const struct platform_text *p)
{
	json_key(j, "platform");
	json_obj_begin(j);
	json_kstr(j, "client", p->client);
	json_kstr(j, "layer", p->layer);
	json_key(j, "entry");
	explain_entry_json(j, "platform", &p->entry);
	json_obj_end(j);
}

int
explain_reply_text(const char *s, FILE *out, int json)
{
	const struct platform_text	*pt;
	struct reply			*r;
	struct buf			 b;
	struct json			 j;
	int				 ok = 0, parsed, imap = 0;

	if ((r = malloc(sizeof(*r))) == NULL)
		return 1;
	pt = platform_text_find(s);
	parsed = bounce_reply_parse(r, s) == 0;
	if (!parsed)
		parsed = imap = ex_imap_parse(r, s) == 0;
	if (json) {
		buf_init(&b, EX_JSON_MAX);
		json_init(&j, &b);
		json_obj_begin(&j);
		json_kstr(&j, "input", s);
		if (pt != NULL)
			ex_platform_json(&j, pt);
		json_kbool(&j, "parsed", parsed);
		if (imap)
			json_kstr(&j, "protocol", "imap");
		if (parsed) {
			ok = explain_out_json(&j, r, s);
			if (!imap)
				explain_class_json(&j, r, s, NULL,
				    BOUNCE_CMD_ANY);
		} else
			json_kbool(&j, "explained", 0);
		if (pt != NULL) {
			ok = 1;
			json_kbool(&j, "platform_explained", 1);
		}
		json_obj_end(&j);
		if (explain_json_flush(out, &b, &j) == -1)
			ok = 0;
		buf_free(&b);
		free(r);
		return ok ? 0 : 1;
	}
	if (pt != NULL) {
		ex_platform_text(out, pt);
		if (parsed)
			fprintf(out, "\nThe %s it carries:\n\n", imap ?
			    "IMAP response" : "SMTP reply");
		ok = 1;
	}
	if (imap)
		ok |= ex_explain_imap_text(out, r, s);
	else if (parsed) {
		explain_class_text(out, 0, r, s, NULL, BOUNCE_CMD_ANY);
		ok |= explain_out_text(out, 0, r, s);
	}
	else if (pt == NULL)
		explain_wrap(out, 0, "", "No SMTP reply code (such as 550 or "
		    "5.7.1) or IMAP response (such as \"a1 NO [...] ...\") "
		    "found in the text.");
	free(r);
	return ok ? 0 : 1;
}
