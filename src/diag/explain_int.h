/*
 * explain_int: the half of explain.c that the bounce reader
 * (explain_bounce.c) uses: wrapped, escaped output; a reply explained as
 * text or JSON.  Finding and parsing the diagnostic in free text is
 * core/bounce_text.h.
 */
#ifndef POSTERN_EXPLAIN_INT_H
#define POSTERN_EXPLAIN_INT_H

#include <stddef.h>
#include <stdio.h>

#define EX_JSON_MAX	(4 * 1024 * 1024)

struct bounce_class;
struct buf;
struct json;
struct reply;

/* Text wrapped at 78 columns after prefix, continued at indent. */
void	explain_wrap(FILE *, int indent, const char *prefix, const char *);
/* A parsed reply, its digits and its matches; 1 if the KB matched. */
int	explain_out_text(FILE *, int indent, const struct reply *,
	    const char *all);
int	explain_out_json(struct json *, const struct reply *, const char *);
/*
 * Reason, fault and hard/soft of a failed reply (bounce_class.h); cmd is
 * an enum bounce_cmd: the command a bounce says failed.
 */
void	explain_class_text(FILE *, int indent, const struct reply *,
	    const char *all, const char *mx, int cmd);
void	explain_class_json(struct json *, const struct reply *,
	    const char *all, const char *mx, int cmd);
/* The same for a classification already made (the bounce parser's). */
void	explain_class_print(FILE *, int indent, const struct bounce_class *);
void	explain_class_put(struct json *, const struct bounce_class *);
/* The finished JSON document of b and a newline to out; 0 or -1. */
int	explain_json_flush(FILE *, struct buf *, struct json *);
#endif
