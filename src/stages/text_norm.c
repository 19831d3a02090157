/* text_norm.c -- Unicode clean-up of extracted text (see text_norm.h).
 *
 * One pass validates and filters into a UTF-8 buffer; NFC (utf8proc) runs
 * only when that buffer holds a code point >= U+0300. Below that every
 * character has NFC_Quick_Check = Yes (the first "Maybe", a combining mark
 * that could compose with its predecessor, is U+0300), so Latin-1 text is
 * already in NFC and the common page costs a single copy. */
#include "stages/text_norm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* U+FB00..U+FB06. U+FB05 is long s + t, which reads as "st". */
static const char *const ligatures[7] = {"ff", "fi", "fl", "ffi", "ffl", "st", "st"};

char *ms_text_normalize(const char *s, size_t len, size_t *out_len, size_t *out_chars)
{
    /* Worst growth is 3 bytes (U+FFFD, "ffi") from 1 input byte. */
    if (len > (SIZE_MAX - 1) / 3)
        return NULL;
    unsigned char *clean = malloc(len * 3 + 1);
    if (!clean)
        return NULL;
    const unsigned char *in = (const unsigned char *)s;
    size_t i = 0, o = 0;
    int need_nfc = 0;
    while (i < len) {
        unsigned char c = in[i];
        if (c < 0x80) {
            i++;
            if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F)
                continue;
            clean[o++] = c;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(in + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0 || !utf8proc_codepoint_valid(cp)) {
            cp = 0xFFFD;
            n = 1;
        }
        i += (size_t)n;
        if (cp >= 0xFB00 && cp <= 0xFB06) {
            const char *l = ligatures[cp - 0xFB00];
            size_t ll = strlen(l);
            memcpy(clean + o, l, ll);
            o += ll;
            continue;
        }
        if (cp >= 0x80 && cp <= 0x9F)   /* C1 controls */
            continue;
        if (cp >= 0x300)
            need_nfc = 1;
        o += (size_t)utf8proc_encode_char(cp, clean + o);
    }
    clean[o] = '\0';

    unsigned char *res = clean;
    size_t rlen = o;
    if (need_nfc) {
        unsigned char *nfc = NULL;
        utf8proc_ssize_t r = utf8proc_map(clean, (utf8proc_ssize_t)o, &nfc,
                                          UTF8PROC_STABLE | UTF8PROC_COMPOSE);
        free(clean);
        if (r < 0)
            return NULL;
        res = nfc;
        rlen = (size_t)r;
    }
    if (out_len)
        *out_len = rlen;
    if (out_chars)
        *out_chars = ms_text_count_chars((const char *)res, rlen);
    return (char *)res;
}

bool ms_text_has_visible(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        if (c < 0x80) {
            if (c != ' ' && c != '\n' && c != '\t' && c != '\r')
                return true;
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0)
            return true;
        utf8proc_category_t cat = utf8proc_category(cp);
        if (cat != UTF8PROC_CATEGORY_ZS && cat != UTF8PROC_CATEGORY_ZL &&
            cat != UTF8PROC_CATEGORY_ZP)
            return true;
        i += (size_t)n;
    }
    return false;
}

size_t ms_text_count_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}
