/*
 * seglog: the record format of the spool log and its reader; see
 * seglog.h for the layout and docs/ARCHITECTURE.md for the writer's
 * rules that make "stop at the first invalid record" lose nothing that
 * was acknowledged.
 *
 * Nothing read is trusted: a header is checked (magic, both lengths
 * against their bounds, the segment number) before any length is used,
 * the payload must lie inside the file as it was when the scan began,
 * and the checksum must match before the callback sees the record.
 * Lengths are bounded so that no offset arithmetic can overflow 64 bits.
 * The checksum is a 16-byte prefix of SHA-256 (OpenSSL EVP): CRC32C
 * would be cheaper, but no library we link has one and we do not write
 * one by hand; at 4 KiB a message it costs a few microseconds.
 *
 * Fails: a read error or an allocation failure ends seglog_scan() with
 * -1 (errno set), which the caller must treat as "cannot recover", not
 * as the end of the segment.
 */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "lib/util.h"
#include "queue/seglog.h"

#define SCAN_CHUNK	(64 * 1024)

static const uint8_t magic[4] = { 'P', 'S', 'G', '1' };

static void	put_le(uint8_t *, uint64_t, int);
static uint64_t	get_le(const uint8_t *, int);
static int	scan_payload(int, const struct seglog_loc *, char *,
		    const struct seglog_hdr *);

/* n bytes of v, little-endian. */
static void
put_le(uint8_t *p, uint64_t v, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
get_le(const uint8_t *p, int n)
{
	uint64_t	v = 0;
	int		i;

	for (i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int
seglog_sum_init(struct seglog_sum *s, const uint8_t *hdr)
{
	EVP_MD_CTX	*md;

	s->md = NULL;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(md, hdr, SEGLOG_SUMMED_LEN) != 1) {
		EVP_MD_CTX_free(md);
		return -1;
	}
	s->md = md;
	return 0;
}

int
seglog_sum_update(struct seglog_sum *s, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	return EVP_DigestUpdate(s->md, p, n) == 1 ? 0 : -1;
}

int
seglog_sum_final(struct seglog_sum *s, uint8_t *out)
{
	unsigned char	dg[EVP_MAX_MD_SIZE];
	unsigned int	dglen = 0;
	int		rc;

	rc = EVP_DigestFinal_ex(s->md, dg, &dglen) == 1 &&
	    dglen >= SEGLOG_SUM_LEN ? 0 : -1;
	if (rc == 0)
		memcpy(out, dg, SEGLOG_SUM_LEN);
	seglog_sum_free(s);
	return rc;
}

void
seglog_sum_free(struct seglog_sum *s)
{
	EVP_MD_CTX_free(s->md);
	s->md = NULL;
}

void
seglog_hdr_encode(uint8_t *out, const struct seglog_hdr *h)
{
	memcpy(out, magic, sizeof(magic));
	put_le(out + 4, h->env_len, 4);
	put_le(out + 8, h->content_len, 8);
	put_le(out + 16, h->segno, 8);
	memcpy(out + SEGLOG_SUMMED_LEN, h->sum, SEGLOG_SUM_LEN);
}

int
seglog_hdr_decode(const uint8_t *p, uint64_t segno, struct seglog_hdr *h)
{
	if (memcmp(p, magic, sizeof(magic)) != 0)
		return -1;
	h->env_len = (uint32_t)get_le(p + 4, 4);
	h->content_len = get_le(p + 8, 8);
	h->segno = get_le(p + 16, 8);
	memcpy(h->sum, p + SEGLOG_SUMMED_LEN, SEGLOG_SUM_LEN);
	if (h->env_len > SEGLOG_ENV_MAX ||
	    h->content_len > SEGLOG_CONTENT_MAX || h->segno != segno)
		return -1;
	return 0;
}

int
seglog_encode(uint8_t *hdr, uint64_t segno, const void *env,
    uint32_t env_len, const void *content, uint64_t content_len)
{
	struct seglog_hdr	h;
	struct seglog_sum	s;

	if (env_len > SEGLOG_ENV_MAX || content_len > SEGLOG_CONTENT_MAX ||
	    content_len > SIZE_MAX)
		return -1;
	memset(&h, 0, sizeof(h));
	h.env_len = env_len;
	h.content_len = content_len;
	h.segno = segno;
	seglog_hdr_encode(hdr, &h);
	if (seglog_sum_init(&s, hdr) == -1)
		return -1;
	if (seglog_sum_update(&s, env, env_len) == -1 ||
	    seglog_sum_update(&s, content, (size_t)content_len) == -1) {
		seglog_sum_free(&s);
		return -1;
	}
	if (seglog_sum_final(&s, h.sum) == -1)
		return -1;
	memcpy(hdr + SEGLOG_SUMMED_LEN, h.sum, SEGLOG_SUM_LEN);
	return 0;
}

int
seglog_check(const uint8_t *p, size_t n, uint64_t segno,
    struct seglog_loc *loc)
{
	struct seglog_hdr	h;
	struct seglog_sum	s;
	uint8_t			sum[SEGLOG_SUM_LEN];

	if (n < SEGLOG_HDR_LEN || seglog_hdr_decode(p, segno, &h) == -1 ||
	    h.content_len > n - SEGLOG_HDR_LEN ||
	    h.env_len > n - SEGLOG_HDR_LEN - h.content_len)
		return 0;
	if (seglog_sum_init(&s, p) == -1)
		return 0;
	if (seglog_sum_update(&s, p + SEGLOG_HDR_LEN,
	    h.env_len + (size_t)h.content_len) == -1) {
		seglog_sum_free(&s);
		return 0;
	}
	if (seglog_sum_final(&s, sum) == -1 ||
	    memcmp(sum, h.sum, SEGLOG_SUM_LEN) != 0)
		return 0;
	loc->segno = segno;
	loc->off = 0;
	loc->env_len = h.env_len;
	loc->content_len = h.content_len;
	return 1;
}

int
seglog_name(uint64_t segno, int done, char *out, size_t outsz)
{
	int	n;

	n = snprintf(out, outsz, "%016" PRIX64 ".%s", segno,
	    done ? "done" : "seg");
	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

int
seglog_name_parse(const char *name, uint64_t *segno, int *done)
{
	uint64_t	v = 0;
	int		i;

	if (strspn(name, "0123456789ABCDEF") != 16)
		return 0;
	if (strcmp(name + 16, ".seg") == 0)
		*done = 0;
	else if (strcmp(name + 16, ".done") == 0)
		*done = 1;
	else
		return 0;
	for (i = 0; i < 16; i++)
		v = v << 4 | (uint64_t)(name[i] <= '9' ? name[i] - '0' :
		    name[i] - 'A' + 10);
	*segno = v;
	return 1;
}

/*
 * Read and checksum a record's envelope (into env) and content.  1 if
 * the checksum matches, 0 if not, -1 with errno on a read error.
 */
static int
scan_payload(int fd, const struct seglog_loc *l, char *env,
    const struct seglog_hdr *h)
{
	uint8_t			 hdr[SEGLOG_HDR_LEN], sum[SEGLOG_SUM_LEN];
	struct seglog_sum	 s;
	char			*chunk = NULL;
	uint64_t		 off, left;
	size_t			 n;
	int			 rc = -1;

	seglog_hdr_encode(hdr, h);
	if (util_pread_all(fd, env, l->env_len, SEGLOG_ENV_OFF(l)) == -1)
		return -1;
	env[l->env_len] = '\0';
	if (seglog_sum_init(&s, hdr) == -1) {
		errno = ENOMEM;
		return -1;
	}
	if (seglog_sum_update(&s, env, l->env_len) == -1 ||
	    (chunk = malloc(SCAN_CHUNK)) == NULL) {
		errno = ENOMEM;
		goto done;
	}
	off = SEGLOG_CONTENT_OFF(l);
	for (left = l->content_len; left > 0; left -= n, off += n) {
		n = left < SCAN_CHUNK ? (size_t)left : SCAN_CHUNK;
		if (util_pread_all(fd, chunk, n, off) == -1)
			goto done;
		if (seglog_sum_update(&s, chunk, n) == -1) {
			errno = ENOMEM;
			goto done;
		}
	}
	if (seglog_sum_final(&s, sum) == -1) {
		errno = ENOMEM;
		goto done;
	}
	rc = memcmp(sum, h->sum, SEGLOG_SUM_LEN) == 0;
done:
	seglog_sum_free(&s);
	free(chunk);
	return rc;
}

long
seglog_scan(int fd, uint64_t segno, seglog_cb cb, void *arg, uint64_t *end)
{
	uint8_t			 raw[SEGLOG_HDR_LEN];
	struct seglog_hdr	 h;
	struct seglog_loc	 l;
	struct stat		 sb;
	uint64_t		 size, off = 0;
	char			*env = NULL;
	long			 n = 0;
	int			 ok;

	if (fstat(fd, &sb) == -1)
		return -1;
	size = (uint64_t)sb.st_size;
	while (size - off >= SEGLOG_HDR_LEN) {
		if (util_pread_all(fd, raw, sizeof(raw), off) == -1)
			goto fail;
		if (seglog_hdr_decode(raw, segno, &h) == -1)
			break;
		l.segno = segno;
		l.off = off;
		l.env_len = h.env_len;
		l.content_len = h.content_len;
		/* bounded lengths: this sum cannot overflow */
		if (SEGLOG_REC_END(&l) > size)
			break;
		free(env);
		if ((env = malloc((size_t)h.env_len + 1)) == NULL)
			goto fail;
		if ((ok = scan_payload(fd, &l, env, &h)) == -1)
			goto fail;
		if (!ok)
			break;
		if (cb != NULL && cb(arg, &l, env) == -1)
			goto fail;
		off = SEGLOG_REC_END(&l);
		n++;
	}
	free(env);
	if (end != NULL)
		*end = off;
	return n;
fail:
	free(env);
	return -1;
}

void
seglog_done_encode(uint8_t *out, uint64_t off)
{
	put_le(out, off, 8);
	put_le(out + 8, ~off, 8);
}

int
seglog_done_decode(const uint8_t *p, uint64_t *off)
{
	uint64_t	a = get_le(p, 8), b = get_le(p + 8, 8);

	if (a != ~b)
		return -1;
	*off = a;
	return 0;
}

int
seglog_cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

long
seglog_done_parse(const uint8_t *p, size_t n, uint64_t *offs, size_t max)
{
	uint64_t	off;
	size_t		i, k = 0, u;

	for (i = 0; i + SEGLOG_DONE_LEN <= n; i += SEGLOG_DONE_LEN) {
		if (seglog_done_decode(p + i, &off) == -1)
			continue;
		if (k == max)
			return -1;
		offs[k++] = off;
	}
	if (k == 0)
		return 0;
	qsort(offs, k, sizeof(*offs), seglog_cmp_u64);
	for (i = 1, u = 1; i < k; i++)
		if (offs[i] != offs[u - 1])
			offs[u++] = offs[i];
	return (long)u;
}

int
seglog_done_has(const uint64_t *offs, size_t n, uint64_t off)
{
	size_t	lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (offs[mid] == off)
			return 1;
		if (offs[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}
