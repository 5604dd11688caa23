/*
 * kb: the knowledge base of SMTP replies behind `postern explain` and the
 * explanations of `postern check`.  The source is kb/replies.kb, a text
 * file reviewed like code; the build embeds it (kb_data.c is generated),
 * so the binary needs no data files at run time.
 *
 * An entry explains one basic reply code (RFC 5321 §4.2: "530"), one
 * enhanced status code (RFC 3463 and the IANA registry: "5.7.8"; "X.7.8"
 * when class-independent), or one provider-specific reply recognised by
 * a pattern in its text ("550 5.7.26" + "unauthenticated email ... Gmail").
 * Each has a title, what it means, whose side it is on, the likely causes
 * in order, the fixes, and sources.
 */
#ifndef POSTERN_KB_H
#define POSTERN_KB_H

#include <stddef.h>

#define KB_LIST_MAX	8	/* causes / fixes per entry */

enum kb_side {
	KB_SIDE_SENDER,		/* your credentials or sending set-up */
	KB_SIDE_SERVER,		/* your (submission) server's policy */
	KB_SIDE_RECIPIENT,	/* the recipient's server */
	KB_SIDE_NETWORK,	/* the network or DNS in between */
	KB_SIDE_NONE,		/* success / informational */
	KB_SIDE_COUNT
};

enum kb_kind {
	KB_BASIC,		/* key "530" */
	KB_ENHANCED,		/* key "5.7.8" or "X.7.8" */
	KB_PROVIDER,		/* key like "gmail-5.7.26", has patterns */
};

struct kb_entry {
	enum kb_kind	 kind;
	const char	*key;		/* "530", "X.7.8", "gmail-5.7.26" */
	const char	*provider;	/* "Gmail", ... or NULL */
	int		 basic;		/* provider entries: reply code or 0 */
	const char	*enhanced;	/* provider entries: "5.7.26" or NULL */
	const char	*patterns[KB_LIST_MAX];	/* case-insensitive
						   substrings, all must match
						   (provider entries) */
	size_t		 npatterns;
	const char	*title;
	const char	*meaning;
	enum kb_side	 side;
	const char	*causes[KB_LIST_MAX];
	size_t		 ncauses;
	const char	*fixes[KB_LIST_MAX];
	size_t		 nfixes;
	const char	*sources;
};

/*
 * Load the embedded knowledge base (once; thread-safe after the first
 * call).  -1 with a reason ("replies.kb:LINE: ...") if it does not parse:
 * the unit test makes sure it always does.
 */
int	kb_load(char *err, size_t errsz);
size_t	kb_count(enum kb_kind);
const struct kb_entry *kb_at(size_t i);	/* NULL past the end */

/*
 * Parse from an explicit text (tests; same rules as the embedded file).
 * On success the entries replace the loaded ones.
 */
int	kb_load_text(const char *text, size_t len, char *err, size_t errsz);

/*
 * The best entries for a reply: a matching provider entry (basic code,
 * enhanced code and every pattern found in text), the enhanced code
 * (exact class, else X.), and the basic code.  Any may be NULL.  text is
 * the whole reply text (may be NULL).
 */
struct kb_match {
	const struct kb_entry	*provider;
	const struct kb_entry	*enhanced;
	const struct kb_entry	*basic;
};
void	kb_lookup(int basic, const char *enhanced, const char *text,
	    struct kb_match *);

const char *kb_side_name(enum kb_side);	/* "sender", "server", ... */
const char *kb_side_text(enum kb_side);	/* "your credentials or sending
					   set-up", ... */

#endif
