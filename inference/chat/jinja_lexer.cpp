// GCC 12 warns falsely inside std::string concatenation (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include "chat/jinja_lexer.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "chat/jinja_string.h"
#include "chat/jinja_value.h"

namespace kinglet::chat::jinja {

const char* token_kind_name(Tok t) {
    switch (t) {
        case Tok::Text: return "template data";
        case Tok::VarBegin: return "begin of print statement";
        case Tok::VarEnd: return "end of print statement";
        case Tok::BlockBegin: return "begin of statement block";
        case Tok::BlockEnd: return "end of statement block";
        case Tok::Name: return "name";
        case Tok::String: return "string";
        case Tok::Int: return "integer";
        case Tok::Float: return "float";
        case Tok::Op: return "operator";
        case Tok::End: return "end of template";
    }
    return "token";
}

namespace {

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

// Python's rstrip() of a text run (Unicode whitespace).
std::string rstrip_py(const std::string& s) {
    if (is_ascii(s)) {
        size_t e = s.size();
        while (e > 0 && py_isspace(static_cast<unsigned char>(s[e - 1]))) --e;
        return s.substr(0, e);
    }
    return py_strip(s, nullptr, false, true);
}

bool all_space_py(std::string_view s) {
    if (s.empty()) return false;  // Jinja's \s+ needs at least one character
    for (char32_t c : decode_utf8(s))
        if (!py_isspace(c)) return false;
    return true;
}

class Lexer {
public:
    Lexer(std::string src, const LexOptions& o) : src_(std::move(src)), opt_(o) {}

    std::vector<Token> run() {
        while (pos_ < src_.size()) {
            const size_t tag = find_tag(pos_);
            std::string text = src_.substr(pos_, tag - pos_);
            if (tag == src_.size()) {
                emit_text(std::move(text), pos_);
                pos_ = tag;
                break;
            }
            const char kind = src_[tag + 1];  // '{', '%' or '#'
            const char sign = tag + 2 < src_.size() ? src_[tag + 2] : '\0';
            const bool has_sign = sign == '-' || sign == '+';
            const bool raw = kind == '%' && is_raw_begin(tag);
            if (sign == '-') {
                text = rstrip_py(text);
            } else if (sign != '+' && opt_.lstrip_blocks && kind != '{') {
                const size_t nl = text.rfind('\n');
                const size_t l_pos = nl == std::string::npos ? 0 : nl + 1;
                if ((l_pos > 0 || line_starting_) && all_space_py(std::string_view(text).substr(l_pos)))
                    text.resize(l_pos);
            }
            emit_text(std::move(text), pos_);
            size_t p = tag + 2 + (has_sign ? 1 : 0);
            if (raw) p = lex_raw(tag, p);
            else if (kind == '#') p = lex_comment(tag, p);
            else p = lex_tag(tag, p, kind == '{');
            line_starting_ = p > 0 && src_[p - 1] == '\n';
            pos_ = p;
        }
        Token end;
        end.type = Tok::End;
        set_pos(end, src_.size());
        out_.push_back(std::move(end));
        return std::move(out_);
    }

private:
    std::string src_;
    LexOptions opt_;
    size_t pos_ = 0;
    bool line_starting_ = true;
    std::vector<Token> out_;
    // Line bookkeeping: positions are turned into line/column lazily and monotonically.
    size_t lc_pos_ = 0;
    int lc_line_ = 1;
    size_t lc_line_start_ = 0;

    [[noreturn]] void error(const std::string& msg, size_t at) {
        Failure f(msg);
        Token t;
        set_pos(t, at);
        f.line = t.line;
        f.column = t.column;
        throw f;
    }

    void set_pos(Token& t, size_t at) {
        if (at < lc_pos_) {  // rare: rescan from the start
            lc_pos_ = 0, lc_line_ = 1, lc_line_start_ = 0;
        }
        for (; lc_pos_ < at && lc_pos_ < src_.size(); ++lc_pos_)
            if (src_[lc_pos_] == '\n') ++lc_line_, lc_line_start_ = lc_pos_ + 1;
        t.line = lc_line_;
        t.column = static_cast<int>(at - lc_line_start_) + 1;
    }

    size_t find_tag(size_t from) const {
        for (size_t i = from; i + 1 < src_.size(); ++i) {
            if (src_[i] != '{') continue;
            const char c = src_[i + 1];
            if (c == '{' || c == '%' || c == '#') return i;
        }
        return src_.size();
    }

    void emit_text(std::string text, size_t at) {
        if (text.empty()) return;
        Token t;
        t.type = Tok::Text;
        set_pos(t, at);
        t.text = std::move(text);
        out_.push_back(std::move(t));
    }

    void emit(Tok type, std::string text, size_t at) {
        Token t;
        t.type = type;
        t.text = std::move(text);
        set_pos(t, at);
        out_.push_back(std::move(t));
    }

    // Byte length of the whitespace character at p (Python's \s: Unicode whitespace), or 0.
    size_t ws_len(size_t p) const {
        const unsigned char c = static_cast<unsigned char>(src_[p]);
        if (c < 0x80) return (is_ws(static_cast<char>(c)) || (c >= 0x1C && c <= 0x1F)) ? 1 : 0;
        size_t e = p + 1;
        while (e < src_.size() && e < p + 4 && (static_cast<unsigned char>(src_[e]) & 0xC0) == 0x80) ++e;
        const U32 cp = decode_utf8(std::string_view(src_).substr(p, e - p));
        return (cp.size() == 1 && py_isspace(cp[0])) ? e - p : 0;
    }

    size_t skip_ws(size_t p) const {
        while (p < src_.size()) {
            const size_t n = ws_len(p);
            if (n == 0) break;
            p += n;
        }
        return p;
    }

    bool word_at(size_t p, std::string_view w) const {
        return src_.compare(p, w.size(), w) == 0 && (p + w.size() >= src_.size() || !is_name_char(src_[p + w.size()]));
    }

    // `{% raw %}` (with optional -/+ and spaces).
    bool is_raw_begin(size_t tag) const {
        size_t p = tag + 2;
        if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) ++p;
        p = skip_ws(p);
        if (!word_at(p, "raw")) return false;
        p = skip_ws(p + 3);
        if (p < src_.size() && src_[p] == '-') ++p;
        return src_.compare(p, 2, "%}") == 0;
    }

    // After a closing tag: `-` eats all following whitespace, otherwise trim_blocks eats
    // one newline (blocks and comments only).
    size_t after_close(size_t p, char sign, bool trim_newline) const {
        if (sign == '-') return skip_ws(p);
        if (sign != '+' && trim_newline && opt_.trim_blocks && p < src_.size() && src_[p] == '\n') return p + 1;
        return p;
    }

    size_t lex_comment(size_t tag, size_t p) {
        const size_t end = src_.find("#}", p);
        if (end == std::string::npos) error("Missing end of comment tag", tag);
        const char sign = end > p ? src_[end - 1] : '\0';
        return after_close(end + 2, (sign == '-' || sign == '+') ? sign : '\0', true);
    }

    size_t lex_raw(size_t tag, size_t p) {
        p = src_.find("%}", p) + 2;  // is_raw_begin() checked the shape
        if (src_[p - 3] == '-') p = skip_ws(p);
        const size_t start = p;
        for (size_t q = src_.find("{%", p); q != std::string::npos; q = src_.find("{%", q + 2)) {
            size_t r = q + 2;
            const char sign = (r < src_.size() && (src_[r] == '-' || src_[r] == '+')) ? src_[r] : '\0';
            if (sign) ++r;
            r = skip_ws(r);
            if (!word_at(r, "endraw")) continue;
            r = skip_ws(r + 6);
            char close_sign = '\0';
            if (r < src_.size() && (src_[r] == '-' || src_[r] == '+')) close_sign = src_[r++];
            if (src_.compare(r, 2, "%}") != 0) continue;
            std::string text = src_.substr(start, q - start);
            if (sign == '-') {
                text = rstrip_py(text);
            } else if (sign != '+' && opt_.lstrip_blocks) {
                const size_t nl = text.rfind('\n');
                const size_t l_pos = nl == std::string::npos ? 0 : nl + 1;
                const bool line_start = start > 0 && src_[start - 1] == '\n';
                if ((l_pos > 0 || line_start) && all_space_py(std::string_view(text).substr(l_pos)))
                    text.resize(l_pos);
            }
            emit_text(std::move(text), start);
            return after_close(r + 2, close_sign, true);
        }
        error("Missing end of raw directive", tag);
    }

    size_t lex_tag(size_t tag, size_t p, bool is_var) {
        emit(is_var ? Tok::VarBegin : Tok::BlockBegin, {}, tag);
        std::string balance;  // expected closing brackets
        while (true) {
            if (p >= src_.size())
                error(std::string("unexpected end of template, expected '") +
                          (is_var ? "end of print statement'" : "end of statement block'"),
                      tag);
            if (balance.empty()) {
                const char c0 = src_[p];
                const bool signed_close = (c0 == '-' || (c0 == '+' && !is_var));
                const size_t q = signed_close ? p + 1 : p;
                if (src_.compare(q, 2, is_var ? "}}" : "%}") == 0) {
                    emit(is_var ? Tok::VarEnd : Tok::BlockEnd, {}, p);
                    return after_close(q + 2, signed_close ? c0 : '\0', !is_var);
                }
            }
            const char c = src_[p];
            if (const size_t n = ws_len(p)) {
                p += n;
                continue;
            }
            if (is_digit(c)) {
                p = lex_number(p);
                continue;
            }
            if (is_name_start(c)) {
                size_t e = p;
                while (e < src_.size() && is_name_char(src_[e])) ++e;
                emit(Tok::Name, src_.substr(p, e - p), p);
                p = e;
                continue;
            }
            if (c == '\'' || c == '"') {
                p = lex_string(p);
                continue;
            }
            static const char* const two[] = {"//", "**", "==", "!=", ">=", "<="};
            std::string op;
            for (const char* t : two)
                if (src_.compare(p, 2, t) == 0) op = t;
            if (op.empty()) {
                if (std::string_view("+-/*%~[](){}><=.:|,;").find(c) == std::string_view::npos)
                    error(std::string("unexpected char '") + c + "'", p);
                op = std::string(1, c);
            }
            if (c == '(' || c == '[' || c == '{') {
                balance.push_back(c == '(' ? ')' : (c == '[' ? ']' : '}'));
            } else if (c == ')' || c == ']' || c == '}') {
                if (balance.empty()) error(std::string("unexpected '") + c + "'", p);
                if (balance.back() != c)
                    error(std::string("unexpected '") + c + "', expected '" + balance.back() + "'", p);
                balance.pop_back();
            }
            emit(Tok::Op, op, p);
            p += op.size();
        }
    }

    size_t lex_number(size_t p) {
        const size_t start = p;
        auto digits = [&](size_t q, auto pred) {
            // (d+_)*d+ : digits with single underscores between them
            size_t e = q;
            while (e < src_.size() && (pred(src_[e]) || (src_[e] == '_' && e > q && e + 1 < src_.size() && pred(src_[e + 1]))))
                ++e;
            return e;
        };
        auto dec = [](char ch) { return is_digit(ch); };
        const bool after_dot = start > 0 && src_[start - 1] == '.';
        size_t e = digits(p, dec);
        bool is_float = false;
        if (!after_dot) {
            size_t f = e;
            if (f + 1 < src_.size() && src_[f] == '.' && is_digit(src_[f + 1])) f = digits(f + 1, dec), is_float = true;
            if (f < src_.size() && (src_[f] == 'e' || src_[f] == 'E')) {
                size_t g = f + 1;
                if (g < src_.size() && (src_[g] == '+' || src_[g] == '-')) ++g;
                if (g < src_.size() && is_digit(src_[g])) f = digits(g, dec), is_float = true;
            }
            if (is_float) e = f;
        }
        std::string lit;
        for (size_t i = start; i < e; ++i)
            if (src_[i] != '_') lit.push_back(src_[i]);
        Token t;
        set_pos(t, start);
        if (is_float) {
            t.type = Tok::Float;
            t.fval = std::strtod(lit.c_str(), nullptr);
            t.text = lit;
            out_.push_back(std::move(t));
            return e;
        }
        int base = 10;
        if (lit == "0" && e < src_.size()) {
            const char b = static_cast<char>(src_[e] | 0x20);
            auto hex = [](char ch) { return is_digit(ch) || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f'); };
            auto oct = [](char ch) { return ch >= '0' && ch <= '7'; };
            auto bin = [](char ch) { return ch == '0' || ch == '1'; };
            size_t g = e + 1;
            if (g < src_.size() && src_[g] == '_') ++g;
            size_t end = g;
            if (b == 'x' && g < src_.size() && hex(src_[g])) base = 16, end = digits(g, hex);
            else if (b == 'o' && g < src_.size() && oct(src_[g])) base = 8, end = digits(g, oct);
            else if (b == 'b' && g < src_.size() && bin(src_[g])) base = 2, end = digits(g, bin);
            if (base != 10) {
                lit.clear();
                for (size_t i = g; i < end; ++i)
                    if (src_[i] != '_') lit.push_back(src_[i]);
                e = end;
            }
        } else if (lit.size() > 1 && lit[0] == '0') {
            // Jinja reads "07" as 0 followed by 7, which the parser then rejects.
            size_t z = start + 1;
            while (z < e && (src_[z] == '0' || src_[z] == '_')) ++z;
            lit = "0";
            e = z;
        }
        errno = 0;
        char* endp = nullptr;
        const unsigned long long v = std::strtoull(lit.c_str(), &endp, base);
        if (errno == ERANGE || v > static_cast<unsigned long long>(INT64_MAX)) error("integer literal too large", start);
        t.type = Tok::Int;
        t.ival = static_cast<int64_t>(v);
        t.text = lit;
        out_.push_back(std::move(t));
        return e;
    }

    static int hexval(char c) {
        if (is_digit(c)) return c - '0';
        c = static_cast<char>(c | 0x20);
        return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    }

    size_t lex_string(size_t p) {
        const char quote = src_[p];
        const size_t start = p++;
        std::string out;
        while (true) {
            if (p >= src_.size()) error("unexpected end of string", start);
            const char c = src_[p];
            if (c == quote) break;
            if (c != '\\') {
                out.push_back(c);
                ++p;
                continue;
            }
            if (p + 1 >= src_.size()) error("unexpected end of string", start);
            const char e = src_[p + 1];
            p += 2;
            switch (e) {
                case '\n': break;
                case '\\': out.push_back('\\'); break;
                case '\'': out.push_back('\''); break;
                case '"': out.push_back('"'); break;
                case 'a': out.push_back('\a'); break;
                case 'b': out.push_back('\b'); break;
                case 'f': out.push_back('\f'); break;
                case 'n': out.push_back('\n'); break;
                case 'r': out.push_back('\r'); break;
                case 't': out.push_back('\t'); break;
                case 'v': out.push_back('\v'); break;
                case 'x':
                case 'u':
                case 'U': {
                    const int n = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
                    uint32_t cp = 0;
                    for (int k = 0; k < n; ++k) {
                        const int h = p < src_.size() ? hexval(src_[p]) : -1;
                        if (h < 0) error("invalid \\" + std::string(1, e) + " escape in string", start);
                        cp = cp * 16 + static_cast<uint32_t>(h);
                        ++p;
                    }
                    if (cp > 0x10FFFF) error("illegal Unicode character in string", start);
                    append_utf8(out, cp);
                    break;
                }
                case 'N': error("\\N{...} escapes are not supported", start);
                default:
                    if (e >= '0' && e <= '7') {
                        uint32_t cp = static_cast<uint32_t>(e - '0');
                        for (int k = 0; k < 2 && p < src_.size() && src_[p] >= '0' && src_[p] <= '7'; ++k)
                            cp = cp * 8 + static_cast<uint32_t>(src_[p++] - '0');
                        append_utf8(out, cp);
                    } else if (static_cast<unsigned char>(e) >= 0x80) {
                        // Jinja backslash-escapes non-ASCII before decoding: "\é" reads as "\xe9".
                        size_t q = p - 1;
                        while (q < src_.size() && (static_cast<unsigned char>(src_[q]) & 0xC0) == 0x80) ++q;
                        const U32 cps = decode_utf8(std::string_view(src_).substr(p - 1, q - p + 1));
                        char buf[16];
                        const unsigned cp = cps.empty() ? 0u : static_cast<unsigned>(cps[0]);
                        if (cp <= 0xFF) std::snprintf(buf, sizeof buf, "\\x%02x", cp);
                        else if (cp <= 0xFFFF) std::snprintf(buf, sizeof buf, "\\u%04x", cp);
                        else std::snprintf(buf, sizeof buf, "\\U%08x", cp);
                        out += buf;
                        p = q;
                    } else {
                        out.push_back('\\');
                        out.push_back(e);
                    }
            }
        }
        Token t;
        t.type = Tok::String;
        t.text = std::move(out);
        set_pos(t, start);
        out_.push_back(std::move(t));
        return p + 1;
    }
};

std::string normalize_newlines(std::string_view s, bool keep_trailing) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\r') {
            out.push_back('\n');
            if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
        } else {
            out.push_back(s[i]);
        }
    }
    if (!keep_trailing && !out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

}  // namespace

std::vector<Token> tokenize(std::string_view source, const LexOptions& options) {
    if (source.size() > kMaxTemplateBytes) fail("template is too large");
    Lexer lexer(normalize_newlines(source, options.keep_trailing_newline), options);
    return lexer.run();
}

}  // namespace kinglet::chat::jinja
