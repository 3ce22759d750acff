// striptags and wordwrap. Both follow Python's algorithms step by step (MarkupSafe's
// Markup.striptags, textwrap.TextWrapper as Jinja configures it), because templates see
// every difference in spacing.
// GCC 12 warns falsely inside std::string concatenation (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include "chat/jinja_filters_text.h"

#include <algorithm>
#include <unicode/uchar.h>

#include "chat/jinja_html.h"
#include "chat/jinja_string.h"

namespace kinglet::chat::jinja {

namespace {

// ---- striptags ------------------------------------------------------------------------

// MarkupSafe removes the first "<!--" ... "-->" again and again. Removing one can join the
// text around it into a new "<!--", so after each removal the search goes on from up to
// three kept characters back; the result is the same as Python's, in linear time.
std::string strip_comments(Context& ctx, const std::string& s) {
    static constexpr std::string_view kOpen = "<!--";
    std::string out;
    size_t i = 0;  // s[i..] is not searched yet
    while (true) {
        ctx.tick();
        size_t kept_part = 0;  // characters of an opener that lie at the end of `out`
        for (size_t n = 3; n >= 1 && kept_part == 0; --n)
            if (out.size() >= n && out.compare(out.size() - n, n, kOpen.substr(0, n)) == 0 &&
                s.compare(i, 4 - n, kOpen.substr(n)) == 0)
                kept_part = n;
        const size_t open = kept_part ? i : s.find(kOpen, i);
        if (open == std::string::npos) break;
        const size_t body = open + 4 - kept_part;  // just after the opener
        // Python searches "-->" from the opener itself, so "<!-->" and "<!--->" close at once.
        size_t after = std::string::npos;
        if (body < s.size() && s[body] == '>') after = body + 1;
        else if (s.compare(body, 2, "->") == 0) after = body + 2;
        else if (const size_t close = s.find("-->", body); close != std::string::npos) after = close + 3;
        if (after == std::string::npos) break;
        out.resize(out.size() - kept_part);
        out.append(s, i, open - i);
        i = after;
    }
    out.append(s, i, std::string::npos);
    return out;
}

// Removing "<" ... ">" cannot create a new "<" before the cut, so one pass suffices; an
// unclosed "<" stops the removal there.
std::string strip_tags(Context& ctx, const std::string& s) {
    std::string out;
    size_t i = 0;
    while (true) {
        ctx.tick();
        const size_t open = s.find('<', i);
        const size_t close = open == std::string::npos ? open : s.find('>', open);
        if (close == std::string::npos) break;
        out.append(s, i, open - i);
        i = close + 1;
    }
    out.append(s, i, std::string::npos);
    return out;
}

// ---- wordwrap -------------------------------------------------------------------------

// textwrap's whitespace is ASCII only; other Unicode spaces are part of words.
bool wrap_space(char32_t c) { return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == 0x0C || c == '\r'; }
// The classes of textwrap's word-splitting regex: \w, \w minus \d, and \w plus !"'&.,?
bool word_char(char32_t c) { return c == '_' || py_isalnum_cp(c); }
bool letter(char32_t c) { return word_char(c) && u_charType(static_cast<UChar32>(c)) != U_DECIMAL_DIGIT_NUMBER; }
bool word_punct(char32_t c) { return word_char(c) || (c < 0x80 && std::string_view("!\"'&.,?").find(static_cast<char>(c)) != std::string_view::npos); }

bool letter_at(const U32& t, size_t i) { return i < t.size() && letter(t[i]); }

// At least two '-' from t[i], then a \w character: an em-dash between words.
bool em_dash_at(const U32& t, size_t i) {
    size_t j = i;
    while (j < t.size() && t[j] == '-') ++j;
    return j - i >= 2 && j < t.size() && word_char(t[j]);
}

// A hyphen at t[k] that textwrap may break after: two letters (or letter-letter-) before
// it, and a letter, an optional '-' and a letter after it.
bool hyphen_break_at(const U32& t, size_t k) {
    if (t[k] != '-') return false;
    const bool before = (k >= 2 && letter(t[k - 2]) && letter(t[k - 1])) ||
                        (k >= 3 && letter(t[k - 3]) && t[k - 2] == '-' && letter(t[k - 1]));
    const size_t p = k + 1;
    return before && letter_at(t, p) && (letter_at(t, p + 1) || (p + 1 < t.size() && t[p + 1] == '-' && letter_at(t, p + 2)));
}

// Where the word starting at t[i] ends: the shortest stretch after which comes a hyphen
// break (the hyphen stays with the word), whitespace or the end, or an em-dash.
size_t word_end(const U32& t, size_t i) {
    for (size_t k = i + 1;; ++k) {
        if (k < t.size() && hyphen_break_at(t, k)) return k + 1;
        if (k == t.size() || wrap_space(t[k])) return k;
        if (word_punct(t[k - 1]) && em_dash_at(t, k)) return k;
    }
}

using Chunk = std::u32string_view;  // into the paragraph being wrapped

// textwrap's chunks: runs of whitespace and words, words also split after hyphens and
// around em-dashes when break_on_hyphens is exactly True.
std::vector<Chunk> split_chunks(Context& ctx, const U32& t, bool hyphens) {
    std::vector<Chunk> chunks;
    for (size_t i = 0, end = 0; i < t.size(); i = end) {
        ctx.tick();
        end = i + 1;
        if (wrap_space(t[i]) || !hyphens) {
            while (end < t.size() && wrap_space(t[end]) == wrap_space(t[i])) ++end;
        } else if (t[i] == '-' && i > 0 && word_punct(t[i - 1]) && em_dash_at(t, i)) {
            while (t[end] == '-') ++end;  // em_dash_at saw a word character after the dashes
        } else {
            end = word_end(t, i);
        }
        chunks.push_back(Chunk(t).substr(i, end - i));
    }
    return chunks;
}

// Fails once the text being built outgrows the limit on one value, before it grows more.
void check_growing(Context& ctx, const std::string& out) {
    if (out.size() > ctx.limits().max_value_bytes) ctx.check_size(out.size());
}

bool all_space(Chunk chunk) { return std::all_of(chunk.begin(), chunk.end(), py_isspace); }

struct WrapOptions {
    double width = 79;  // Python compares lengths with a float width too
    bool integral_width = true;
    bool break_long_words = true;
    bool break_on_hyphens = true;  // truthiness, for long words
    std::string wrapstring = "\n";
};

// TextWrapper._handle_long_word: a chunk wider than a whole line is cut to fill this one,
// after its last hyphen that fits when there is one (and non-hyphens before it).
void break_long_word(std::vector<Chunk>& reversed, std::vector<Chunk>& line, int64_t used, const WrapOptions& o) {
    if (o.break_long_words && !o.integral_width) fail("slice indices must be integers or None or have an __index__ method");
    const int64_t space_left = static_cast<int64_t>(o.width) - used;
    if (o.break_long_words) {
        Chunk& chunk = reversed.back();
        size_t end = static_cast<size_t>(std::max<int64_t>(space_left, 0));
        if (o.break_on_hyphens && space_left > 0) {
            const size_t hyphen = chunk.rfind(U'-', end - 1);
            if (hyphen != Chunk::npos && hyphen > 0 &&
                std::any_of(chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(hyphen), [](char32_t c) { return c != '-'; }))
                end = hyphen + 1;
        }
        line.push_back(chunk.substr(0, end));
        chunk.remove_prefix(end);  // a view, so cutting a long word line by line stays linear
    } else if (line.empty()) {
        line.push_back(reversed.back());
        reversed.pop_back();
    }
}

// TextWrapper._wrap_chunks without indents or max_lines: fill each line greedily, drop
// whitespace at the start of later lines and at the end of every line. The lines go to
// `out`, joined with wrapstring.
void wrap_chunks(Context& ctx, std::vector<Chunk> chunks, const WrapOptions& o, std::string& out) {
    bool any_line = false;
    std::reverse(chunks.begin(), chunks.end());
    while (!chunks.empty()) {
        ctx.tick();
        std::vector<Chunk> line;
        int64_t used = 0;
        if (any_line && all_space(chunks.back())) chunks.pop_back();
        while (!chunks.empty() && static_cast<double>(used + static_cast<int64_t>(chunks.back().size())) <= o.width) {
            used += static_cast<int64_t>(chunks.back().size());
            line.push_back(chunks.back());
            chunks.pop_back();
        }
        if (!chunks.empty() && static_cast<double>(chunks.back().size()) > o.width) break_long_word(chunks, line, used, o);
        if (!line.empty() && all_space(line.back())) line.pop_back();
        if (line.empty()) continue;
        if (any_line) out += o.wrapstring;
        any_line = true;
        for (Chunk part : line) out += encode_utf8(part);
        check_growing(ctx, out);
    }
}

}  // namespace

// Markup(str(value)).striptags(): comments, then tags removed; whitespace runs become one
// space; character references decoded last (so "&lt;b&gt;" survives as "<b>").
Value f_striptags(Context& ctx, const Value& v, const Args& a) {
    ArgReader r("striptags", a, {});
    const std::string text = strip_tags(ctx, strip_comments(ctx, to_str(v)));
    std::string joined;
    for (const std::string& word : py_split(text, nullptr, -1)) {
        if (!joined.empty()) joined += ' ';
        joined += word;
    }
    return Value(html_unescape(joined));
}

// Each line of the text (str.splitlines) wrapped on its own with textwrap.wrap(width,
// expand_tabs=False, replace_whitespace=False, ...), all lines joined with wrapstring.
Value f_wordwrap(Context& ctx, const Value& v, const Args& a) {
    ArgReader r("wordwrap", a, {"width", "break_long_words", "wrapstring", "break_on_hyphens"});
    if (!v.is_string()) {
        require_defined(v);
        fail("'" + type_name(v) + "' object has no attribute 'splitlines'");
    }
    const Value width = r.get_or(0, Value(79));
    if (!width.is_number()) fail("'<=' not supported between instances of '" + type_name(width) + "' and 'int'");
    const Value wrap = r.get_or(2, Value::none());
    if (!wrap.is_none() && !wrap.is_string()) fail("'" + type_name(wrap) + "' object has no attribute 'join'");
    const Value hyphens = r.get_or(3, Value(true));
    const WrapOptions o{width.to_double(), !width.is_float(), r.get_or(1, Value(true)).truthy(), hyphens.truthy(),
                        wrap.is_none() ? "\n" : wrap.as_string()};
    if (!(o.width > 0)) fail("invalid width " + repr(width) + " (must be > 0)");
    // textwrap splits at hyphens only when break_on_hyphens `is True`.
    const bool split_hyphens = hyphens.is_bool() && hyphens.as_bool();
    // Jinja joins the wrapped paragraphs with wrapstring too, so blank lines stay.
    std::string out;
    const std::vector<std::string> paragraphs = py_splitlines(v.as_string());
    for (size_t p = 0; p < paragraphs.size(); ++p) {
        if (p) out += o.wrapstring;
        check_growing(ctx, out);
        const U32 paragraph = decode_utf8(paragraphs[p]);
        wrap_chunks(ctx, split_chunks(ctx, paragraph, split_hyphens), o, out);
    }
    ctx.check_size(out.size());
    return Value(std::move(out));
}

}  // namespace kinglet::chat::jinja
