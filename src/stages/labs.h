/* labs.h -- rows of a lab table, read from a report's plain text.
 *
 * ms_labs_read() reads the text line by line (MuPDF gives one line per
 * printed row, columns separated by runs of spaces) and returns every lab
 * row it finds, with byte spans into the text and the parsed value, the
 * lab's own reference range and the lab's own flag.
 *
 * What a row is (all on ONE line; a line may hold several rows when two
 * tables are printed side by side):
 *   NAME  VALUE  then, in any order, at most one each of UNIT, RANGE, FLAG
 *   - NAME: 1 to 6 words, starting with a letter, at most 60 bytes, not a
 *     label ("Page", "MRN", "DOB", "Phone", "Collected", "Date"...) and no
 *     verb of prose ("is", "was", "given"...). A column gap inside the
 *     words restarts the name after the gap ("CHEMISTRY   Sodium 139").
 *   - VALUE: a number ("7.4", "14,200"), optionally after a comparator
 *     ("<5", "> 90", ">=60", "≤0.1"), optionally with a flag glued to it
 *     ("14.2H", "139*", "6.8↑"). Not a date, time or phone number, nor a
 *     two-digit code with a leading zero ("WBC 01  14.2": the performing
 *     lab's site, read as part of the name). A
 *     count range ("25-50 /hpf") or a word of a closed list ("Positive",
 *     "Negative", "Trace", "Large", "Not detected"...) is a value only
 *     when the row also has a flag or a reference ("Negative", "0-5").
 *   - UNIT: a word with '/', '%' or '^' ("mmol/L", "K/uL", "x10^9/L",
 *     "cells/µL", "mL/min/1.73 m2"), "x 10^9/L", or a short unit word
 *     ("fL", "pg", "g", "sec", "ratio", "C"...).
 *   - RANGE: "4.5 - 11.0", "4.5-11.0", "(4.0-11.0)", "[4 to 11]", en or em
 *     dash, "<5.0", "< 42", ">= 60", ">60", "≤ 5", "up to 40",
 *     optionally after "Ref:" / "Ref range:" / "Normal:".
 *   - PREVIOUS RESULT: a number and a date ("9.1  09/01/2025") before the
 *     unit, as some labs print the last result: skipped, never the value.
 *   - FLAG: H, HI, HIGH, L, LO, LOW, HH, LL, CRIT, CRITICAL, PANIC, ALERT,
 *     "critical high", "critical low", C (only after a unit or range),
 *     "*", A, ABN, ABNORMAL, ↑, ↓, "!"; in brackets too ("(H)", "[L]").
 *     N / NORMAL / WNL are read as the lab saying "normal" (no flag).
 *   A row needs a unit, a range or a flag besides name and value. Columns
 *   are separated by a gap: 2+ spaces, a tab, '|', or a dotted leader
 *   ("Sodium ........ 139"). After the value, an unknown word after a
 *   single space ends the row when a range or flag was read and rejects it
 *   otherwise (prose: "Page 1 of 2", "given 5 mg at night"); after a gap
 *   it ends the row (the next table's row may start there).
 *
 * What a row is not: a line of prose, a header line (no value), a date,
 * time, MRN, phone or page number, a row whose name is on one line and
 * value on the next (not joined), a word result with neither flag nor
 * reference ("Color  Yellow") -- the engine's attributes still carry
 * those. A flag belongs to the row on
 * whose line it is printed, never to the line before or after it.
 *
 * Linear time: every line is scanned a bounded number of times (a failed
 * row restarts at the next column gap; lines over 1,024 bytes are not
 * table rows and are skipped), no recursion, no allocation except the
 * growing row array. Any bytes are accepted (fuzz-safe). */
#ifndef MS_LABS_H
#define MS_LABS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum ms_lab_flag {
    MS_LAB_FLAG_NONE = 0,   /* no flag printed */
    MS_LAB_FLAG_NORMAL,     /* the lab printed N / normal */
    MS_LAB_FLAG_HIGH,
    MS_LAB_FLAG_LOW,
    MS_LAB_FLAG_CRITICAL,
    MS_LAB_FLAG_ABNORMAL
} ms_lab_flag;

typedef enum ms_lab_cmp {
    MS_LAB_EQ = 0, MS_LAB_LT, MS_LAB_LE, MS_LAB_GT, MS_LAB_GE
} ms_lab_cmp;

/* [b, e) byte offsets into the text; b == e when absent. */
typedef struct ms_lab_span { size_t b, e; } ms_lab_span;

typedef struct ms_lab_row {
    ms_lab_span line, name, value, unit, range, flag_text;
    ms_lab_span low_text, high_text;  /* the range's numbers as printed */
    double value_num;                  /* the value, without comparator */
    double value_hi;                   /* "25-50": 25 in value_num, 50 here */
    ms_lab_cmp value_cmp;              /* "<5" -> LT 5 */
    bool value_range;                  /* the value is "25-50" */
    bool qualitative;                  /* "Positive", "Trace": no number */
    bool has_low, has_high;            /* the range's bounds */
    bool high_strict, low_strict;      /* "<5.0": 5.0 itself is outside */
    double low, high;
    ms_lab_flag flag;
    int direction;                     /* +1 high, -1 low, 0 unknown */
} ms_lab_row;

typedef struct ms_lab_rows {
    ms_lab_row *v;
    size_t n, cap;
} ms_lab_rows;

/* Append the rows of text[0, len) to *out (in text order). Returns 0, or
 * -1 on out of memory (the rows read so far stay in *out). */
int ms_labs_read(const char *text, size_t len, ms_lab_rows *out);
void ms_lab_rows_free(ms_lab_rows *r);

/* Compare the row's value with its own printed range: +1 above, -1
 * below, 0 inside or not comparable (no range, a comparator that does
 * not decide). */
int ms_lab_row_vs_range(const ms_lab_row *r);

#endif
