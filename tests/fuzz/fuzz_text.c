/*
 * fuzz_text.c - libFuzzer target for the ingest text repair.  The first
 * byte picks the charset and flags; the rest is the text.  Whatever comes
 * in, what comes out must be valid UTF-8 without control characters, fit
 * the promised bound, come out again unchanged (repair is idempotent),
 * leave clean input as it was, and stay valid when cut anywhere.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum text_charset cs;
	unsigned flags;
	const char *s = (const char *)data + 1;
	size_t n, len, again;
	char *out, *out2;

	if (size == 0)
		return 0;
	cs = data[0] & 1 ? TEXT_LATIN1 : TEXT_UTF8;
	flags = (data[0] >> 1) & (TEXT_CUT | TEXT_KEEP_TAB);
	n = size - 1;
	out = malloc(text_normalized_max(n) + 1);
	out2 = malloc(text_normalized_max(n) + 1);
	if (out == NULL || out2 == NULL)
		abort();
	len = text_normalize(s, n, cs, flags, out);
	if (len > text_normalized_max(n) || !text_is_utf8(out, len) ||
	    !text_is_clean(out, len, TEXT_UTF8, flags & TEXT_KEEP_TAB))
		abort();
	again = text_normalize(out, len, TEXT_UTF8, flags & TEXT_KEEP_TAB, out2);
	if (again != len || memcmp(out, out2, len) != 0)
		abort();
	if (text_is_clean(s, n, cs, flags) && (len != n || memcmp(s, out, n) != 0))
		abort();
	for (size_t max = 0; max <= len; max += 1 + max / 4) {
		size_t k = text_cut(out, len, max);
		if (k > max || !text_is_utf8(out, k))
			abort();
	}
	free(out);
	free(out2);
	return 0;
}
