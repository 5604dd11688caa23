/*
 * csv: an RFC 4180 writer into a struct buf and a bounded reader over a
 * whole buffer.
 *
 * Writer: fields are quoted only when they must be (comma, quote, CR, LF)
 * or when leading or trailing white space would be trimmed by a lenient
 * reader; quotes are doubled (RFC 4180 §2.5-2.7).  Records end in CRLF
 * (§2.1).  Spreadsheet formula injection (a cell starting with = + - @
 * TAB or CR is evaluated by Excel, LibreOffice and Google Sheets) is
 * neutralised by a leading single quote, but only for fields the caller
 * flags with CSV_F_NEUTRALIZE: the quote changes the value, so it must
 * never touch credentials.  Passwords made by password_generate() use an
 * alphanumeric alphabet and so never start with those characters; the
 * flag is meant for people's names and other free text.
 *
 * Reader: see csv_read().  Bounds are CSV_MAX_FIELDS fields per record and
 * CSV_MAX_FIELD bytes per field; past either, or on malformed quoting, it
 * stops with "line N: reason" in the reader.
 *
 * Every writer call either appends a complete field or record or leaves
 * the buffer exactly as it was and returns -1 (buffer bound or memory).
 */
#ifndef POSTERN_CSV_H
#define POSTERN_CSV_H

#include <stddef.h>

#include "lib/buf.h"

#define CSV_MAX_FIELDS		64
#define CSV_MAX_FIELD		4096	/* bytes, after unquoting */
#define CSV_ERR_MAX		128

#define CSV_F_NEUTRALIZE	0x01	/* prefix ' to = + - @ TAB CR */

/* Append one field (no separator).  NULL is written as empty. */
int	csv_field(struct buf *, const char *s);
int	csv_field_flags(struct buf *, const char *s, int flags);

/* Append n fields, comma-separated, and CRLF.  flags may be NULL. */
int	csv_row(struct buf *, const char *const *fields, size_t n);
int	csv_row_flags(struct buf *, const char *const *fields,
	    const int *flags, size_t n);

/* 1 if csv_field_flags(..., CSV_F_NEUTRALIZE) would prefix s. */
int	csv_formula_risk(const char *s);

struct csv_reader {
	const char	*data;
	size_t		 len;
	size_t		 off;
	size_t		 line;		/* 1-based line at off */
	char		 err[CSV_ERR_MAX];
};

struct csv_record {
	size_t		 nfields;
	size_t		 line;		/* line the record starts on */
	const char	*field[CSV_MAX_FIELDS];	/* NUL-terminated */
	size_t		 flen[CSV_MAX_FIELDS];
	size_t		 foff[CSV_MAX_FIELDS];	/* internal */
	struct buf	 store;			/* internal */
};

void	csv_reader_init(struct csv_reader *, const char *data, size_t len);
void	csv_record_init(struct csv_record *);
void	csv_record_free(struct csv_record *);

/*
 * Read the next record into rec.  Returns 1 with a record, 0 at the end
 * of the data, -1 with "line N: reason" in r->err.  Accepts CRLF or LF
 * line ends, quoted fields with doubled quotes and embedded commas, CR
 * and LF, a final record without a line end, and skips a UTF-8 byte
 * order mark at the start and blank lines between records.  Refuses a
 * quote inside an unquoted field, text after a closing quote, an
 * unterminated quoted field, a bare CR outside quotes, NUL bytes, and
 * records or fields over the bounds.  After -1 the reader stays failed.
 * rec's fields stay valid until the next csv_read() or csv_record_free().
 */
int	csv_read(struct csv_reader *, struct csv_record *);

#endif
