/*
 * csv: see csv.h.  The writer decides per field whether to quote, so
 * plain values stay readable; the reader is a hand-written scanner over
 * runs of ordinary bytes, with every append checked against the field
 * bound before it is made.  Both halves agree on RFC 4180 §2, so
 * csv_read() returns exactly what csv_row() was given (a neutralised
 * field comes back with its leading quote).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/csv.h"

#define CSV_STORE_MAX	(CSV_MAX_FIELDS * (CSV_MAX_FIELD + 1))

static void	csv_truncate(struct buf *, size_t);
static int	csv_needs_quotes(const char *, int);
static int	csv_put_body(struct buf *, const char *, int);
static int	csv_fail(struct csv_reader *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	csv_peek(const struct csv_reader *, size_t);
static size_t	csv_eol_len(const struct csv_reader *);
static void	csv_skip_blank(struct csv_reader *);
static int	csv_field_begin(struct csv_reader *, struct csv_record *);
static int	csv_field_end(struct csv_reader *, struct csv_record *);
static int	csv_put(struct csv_reader *, struct csv_record *,
		    const char *, size_t);
static int	csv_read_plain(struct csv_reader *, struct csv_record *);
static int	csv_read_quoted(struct csv_reader *, struct csv_record *);
static int	csv_read_sep(struct csv_reader *, int *);

/* Characters that make a spreadsheet treat a cell as a formula. */
static const char csv_formula_lead[] = "=+-@\t\r";

/* Characters that force quoting anywhere in a field (RFC 4180 §2.6). */
static const char csv_special[] = ",\"\r\n";

/* Writer. */

static void
csv_truncate(struct buf *b, size_t len)
{
	if (b->data != NULL && len <= b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

int
csv_formula_risk(const char *s)
{
	return s != NULL && s[0] != '\0' &&
	    strchr(csv_formula_lead, s[0]) != NULL;
}

/*
 * Quote for the RFC 4180 specials, and for white space at either end,
 * which RFC 4180 keeps but many readers (and spreadsheets) trim.
 */
static int
csv_needs_quotes(const char *s, int prefixed)
{
	size_t	n = strlen(s);

	if (strpbrk(s, csv_special) != NULL)
		return 1;
	if (n == 0)
		return 0;
	if (!prefixed && (s[0] == ' ' || s[0] == '\t'))
		return 1;
	return s[n - 1] == ' ' || s[n - 1] == '\t';
}

static int
csv_put_body(struct buf *b, const char *s, int quoted)
{
	const char	*q;

	if (!quoted)
		return buf_appends(b, s);
	while ((q = strchr(s, '"')) != NULL) {
		/* Copy through the quote, then double it (§2.7). */
		if (buf_append(b, s, (size_t)(q - s) + 1) == -1 ||
		    buf_append(b, "\"", 1) == -1)
			return -1;
		s = q + 1;
	}
	return buf_appends(b, s);
}

int
csv_field(struct buf *b, const char *s)
{
	return csv_field_flags(b, s, 0);
}

int
csv_field_flags(struct buf *b, const char *s, int flags)
{
	size_t	start = b->len;
	int	prefix, quote;

	if (s == NULL)
		s = "";
	prefix = (flags & CSV_F_NEUTRALIZE) && csv_formula_risk(s);
	quote = csv_needs_quotes(s, prefix);
	if ((quote && buf_append(b, "\"", 1) == -1) ||
	    (prefix && buf_append(b, "'", 1) == -1) ||
	    csv_put_body(b, s, quote) == -1 ||
	    (quote && buf_append(b, "\"", 1) == -1)) {
		csv_truncate(b, start);
		return -1;
	}
	return 0;
}

int
csv_row(struct buf *b, const char *const *fields, size_t n)
{
	return csv_row_flags(b, fields, NULL, n);
}

int
csv_row_flags(struct buf *b, const char *const *fields, const int *flags,
    size_t n)
{
	size_t	start = b->len, i;

	for (i = 0; i < n; i++) {
		if ((i > 0 && buf_append(b, ",", 1) == -1) ||
		    csv_field_flags(b, fields[i],
		    flags ? flags[i] : 0) == -1)
			goto fail;
	}
	if (buf_append(b, "\r\n", 2) == -1)
		goto fail;
	return 0;
fail:
	csv_truncate(b, start);
	return -1;
}

/* Reader. */

void
csv_reader_init(struct csv_reader *r, const char *data, size_t len)
{
	r->data = data;
	r->len = len;
	r->off = 0;
	r->line = 1;
	r->err[0] = '\0';
	/* Spreadsheets write a UTF-8 BOM; it is not part of the header. */
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		r->off = 3;
}

void
csv_record_init(struct csv_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	buf_init(&rec->store, CSV_STORE_MAX);
}

void
csv_record_free(struct csv_record *rec)
{
	buf_free(&rec->store);
	rec->nfields = 0;
}

static int
csv_fail(struct csv_reader *r, size_t line, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	n = snprintf(r->err, sizeof(r->err), "line %zu: ", line);
	if (n < 0 || (size_t)n >= sizeof(r->err))
		return -1;
	va_start(ap, fmt);
	vsnprintf(r->err + n, sizeof(r->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Byte at off + ahead, or -1 past the end. */
static int
csv_peek(const struct csv_reader *r, size_t ahead)
{
	if (r->off + ahead >= r->len)
		return -1;
	return (unsigned char)r->data[r->off + ahead];
}

/* Length of the line end at off: 2 for CRLF, 1 for LF, else 0. */
static size_t
csv_eol_len(const struct csv_reader *r)
{
	if (csv_peek(r, 0) == '\n')
		return 1;
	if (csv_peek(r, 0) == '\r' && csv_peek(r, 1) == '\n')
		return 2;
	return 0;
}

static void
csv_skip_blank(struct csv_reader *r)
{
	size_t	n;

	while ((n = csv_eol_len(r)) > 0) {
		r->off += n;
		r->line++;
	}
}

static int
csv_field_begin(struct csv_reader *r, struct csv_record *rec)
{
	if (rec->nfields == CSV_MAX_FIELDS)
		return csv_fail(r, r->line, "more than %d fields",
		    CSV_MAX_FIELDS);
	rec->foff[rec->nfields] = rec->store.len;
	rec->flen[rec->nfields] = 0;
	return 0;
}

static int
csv_field_end(struct csv_reader *r, struct csv_record *rec)
{
	if (buf_append(&rec->store, "", 1) == -1)
		return csv_fail(r, r->line, "out of memory");
	rec->nfields++;
	return 0;
}

static int
csv_put(struct csv_reader *r, struct csv_record *rec, const char *p,
    size_t n)
{
	size_t	*flen = &rec->flen[rec->nfields];

	if (n > CSV_MAX_FIELD - *flen)
		return csv_fail(r, r->line, "field %zu: longer than %d bytes",
		    rec->nfields + 1, CSV_MAX_FIELD);
	if (buf_append(&rec->store, p, n) == -1)
		return csv_fail(r, r->line, "out of memory");
	*flen += n;
	return 0;
}

/* An unquoted field: up to a comma, a line end or the end of data. */
static int
csv_read_plain(struct csv_reader *r, struct csv_record *rec)
{
	size_t	start = r->off;
	int	c;

	while ((c = csv_peek(r, 0)) != -1 && c != ',' && c != '\r' &&
	    c != '\n' && c != '"' && c != '\0')
		r->off++;
	if (csv_put(r, rec, r->data + start, r->off - start) == -1)
		return -1;
	if (c == '"')
		return csv_fail(r, r->line,
		    "field %zu: quote inside unquoted field", rec->nfields + 1);
	if (c == '\0')
		return csv_fail(r, r->line, "field %zu: NUL byte",
		    rec->nfields + 1);
	return 0;
}

/* A quoted field; off is at the opening quote (RFC 4180 §2.5-2.7). */
static int
csv_read_quoted(struct csv_reader *r, struct csv_record *rec)
{
	size_t	open_line = r->line, start;
	int	c;

	r->off++;
	for (;;) {
		start = r->off;
		while ((c = csv_peek(r, 0)) != -1 && c != '"' && c != '\n' &&
		    c != '\0')
			r->off++;
		if (csv_put(r, rec, r->data + start, r->off - start) == -1)
			return -1;
		if (c == -1)
			return csv_fail(r, open_line,
			    "field %zu: unterminated quoted field",
			    rec->nfields + 1);
		if (c == '\0')
			return csv_fail(r, r->line, "field %zu: NUL byte",
			    rec->nfields + 1);
		if (c == '\n') {
			if (csv_put(r, rec, "\n", 1) == -1)
				return -1;
			r->off++;
			r->line++;
			continue;
		}
		if (csv_peek(r, 1) != '"')
			break;
		if (csv_put(r, rec, "\"", 1) == -1)
			return -1;
		r->off += 2;
	}
	r->off++;	/* closing quote */
	c = csv_peek(r, 0);
	if (c != -1 && c != ',' && csv_eol_len(r) == 0)
		return csv_fail(r, r->line,
		    "field %zu: text after closing quote", rec->nfields + 1);
	return 0;
}

/*
 * After a field: a comma (another field follows; *more = 1), a line end
 * or the end of data (*more = 0).
 */
static int
csv_read_sep(struct csv_reader *r, int *more)
{
	size_t	n;

	*more = 0;
	if (csv_peek(r, 0) == -1)
		return 0;
	if (csv_peek(r, 0) == ',') {
		r->off++;
		*more = 1;
		return 0;
	}
	if ((n = csv_eol_len(r)) == 0)
		return csv_fail(r, r->line, "bare CR outside quotes");
	r->off += n;
	r->line++;
	return 0;
}

int
csv_read(struct csv_reader *r, struct csv_record *rec)
{
	size_t	i;
	int	more, rc;

	if (r->err[0] != '\0')
		return -1;
	buf_reset(&rec->store);
	rec->nfields = 0;
	csv_skip_blank(r);
	if (r->off >= r->len)
		return 0;
	rec->line = r->line;
	do {
		if (csv_field_begin(r, rec) == -1)
			return -1;
		if (csv_peek(r, 0) == '"')
			rc = csv_read_quoted(r, rec);
		else
			rc = csv_read_plain(r, rec);
		if (rc == -1 || csv_field_end(r, rec) == -1 ||
		    csv_read_sep(r, &more) == -1)
			return -1;
	} while (more);
	for (i = 0; i < rec->nfields; i++)
		rec->field[i] = rec->store.data + rec->foff[i];
	return 1;
}
