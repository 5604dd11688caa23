/*
 * json: a small JSON writer into a struct buf, for machine-readable CLI
 * output.  The caller opens and closes objects and arrays; the writer
 * inserts commas and escapes strings (RFC 8259 §7), so output is always
 * well-formed if the calls are balanced.  Strings that are not valid
 * UTF-8 have the bad bytes written as U+FFFD.  Nesting is bounded
 * (JSON_DEPTH_MAX); errors stick and json_finish() reports them.
 */
#ifndef POSTERN_JSON_H
#define POSTERN_JSON_H

#include <stdint.h>

#include "lib/buf.h"

#define JSON_DEPTH_MAX	16

struct json {
	struct buf	*b;
	int		 depth;
	int		 first[JSON_DEPTH_MAX];
	int		 after_key;
	int		 error;
};

void	json_init(struct json *, struct buf *);
void	json_obj_begin(struct json *);
void	json_obj_end(struct json *);
void	json_arr_begin(struct json *);
void	json_arr_end(struct json *);
void	json_key(struct json *, const char *);
void	json_str(struct json *, const char *);
void	json_int(struct json *, int64_t);
void	json_bool(struct json *, int);
void	json_write_null(struct json *);
/* Key + value shorthands. */
void	json_kstr(struct json *, const char *, const char *);
void	json_kint(struct json *, const char *, int64_t);
void	json_kbool(struct json *, const char *, int);
/* 0, or -1 if anything failed or the nesting is unbalanced. */
int	json_finish(struct json *);

#endif
