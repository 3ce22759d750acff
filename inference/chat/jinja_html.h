// HTML character references decoded the way Python's html.unescape() decodes them, for
// the striptags filter (MarkupSafe's Markup.unescape calls html.unescape).
#pragma once
#include <string>
#include <string_view>

namespace kinglet::chat::jinja {

// Replaces "&#65;", "&#x41;", "&amp;" (and the legacy forms without ';', like "&amp")
// with the characters they name.
std::string html_unescape(std::string_view s);

// One HTML5 named reference: `name` without its ';', one or two code points (second is 0
// for one), and whether the name also counts without the ';' (legacy names like "amp").
struct HtmlEntity {
    std::string_view name;
    char32_t first;
    char32_t second;
    bool legacy;
};
const HtmlEntity* find_html_entity(std::string_view name);  // nullptr when unknown

}  // namespace kinglet::chat::jinja
