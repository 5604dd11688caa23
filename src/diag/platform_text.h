/*
 * platform_text: the error texts that sending platforms and mail
 * clients show for a mailbox on postern (Instantly, which reports
 * nodemailer's SMTP errors; Smartlead; generic IMAP tools), each mapped
 * to the layer that failed, the cause on postern's side and the fix.
 * `postern explain` looks a pasted line up here before it explains the
 * SMTP reply or IMAP response the line may carry.
 */
#ifndef POSTERN_PLATFORM_TEXT_H
#define POSTERN_PLATFORM_TEXT_H

#include "diag/kb.h"

struct platform_text {
	const char	*client;	/* who shows the text */
	const char	*layer;		/* which layer failed */
	struct kb_entry	 entry;		/* title, cause, side, fixes */
};

/*
 * The first row whose patterns (case-insensitive substrings, runs of
 * white space as one space) are all in text, or NULL.
 */
const struct platform_text *platform_text_find(const char *text);
size_t	platform_text_count(void);
const struct platform_text *platform_text_at(size_t);	/* NULL past end */

#endif
