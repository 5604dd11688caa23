/*
 * bounce_class_int: the tables of the bounce classifier (bounce_class.c):
 * what each reason means (fault, hard), the enhanced status codes, the
 * texts and the subject digits.  Private to core/bounce_class.c; the
 * order of the rows and where each comes from are described there and
 * beside the rows in bounce_rules.c.
 */
#ifndef POSTERN_BOUNCE_CLASS_INT_H
#define POSTERN_BOUNCE_CLASS_INT_H

#include <stddef.h>

#include "core/bounce_class.h"

#define BC_STRONG	0x01	/* code: decides before the text */
#define BC_PROVIDER	0x02	/* text: decides before the code */
#define BC_PERM		0x04	/* text: only with a 5xx code */
#define BC_LAST		0x08	/* text: after the codes and digits */
#define BC_UNDER	0x10	/* provider text: after the strong codes */
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

struct bc_orange {
	int			 code;	/* the last three digits */
	enum bounce_reason	 reason;
};

extern const struct bc_info	bc_info[BOUNCE_NREASONS];
extern const struct bc_code	bc_code[];
extern const size_t		bc_ncode;
extern const struct bc_text	bc_text[];
extern const size_t		bc_ntext;
extern const enum bounce_reason	bc_subject[8];
extern const struct bc_orange	bc_orange_codes[];
extern const size_t		bc_norange;

#endif
