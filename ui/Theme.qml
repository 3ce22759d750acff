// Colours and sizes in one place, light and dark. "system" follows the desktop palette.
pragma Singleton
import QtQuick
import Kinglet.Backend

QtObject {
    readonly property bool dark: Settings.theme === "dark" || (Settings.theme === "system" && App.systemDark)

    readonly property color window: dark ? "#1c1d21" : "#ffffff"
    readonly property color sidebar: dark ? "#141518" : "#f3f4f6"
    readonly property color surface: dark ? "#26282d" : "#ffffff"
    readonly property color raised: dark ? "#2e3036" : "#f7f7f9"
    readonly property color hover: dark ? "#2a2c31" : "#e8e9ed"
    readonly property color selected: dark ? "#32353c" : "#dfe3ea"
    readonly property color userBubble: dark ? "#263a57" : "#e6effc"
    readonly property color text: dark ? "#e9e9ec" : "#1c1d21"
    readonly property color mutedText: dark ? "#9b9da4" : "#60636b"
    readonly property color accent: dark ? "#5b9cf5" : "#2563eb"
    readonly property color accentText: "#ffffff"
    readonly property color border: dark ? "#3a3d44" : "#d9dbe0"
    readonly property color codeBackground: dark ? "#121316" : "#f3f4f6"
    readonly property color errorBackground: dark ? "#4a1f22" : "#fde8e7"
    readonly property color errorText: dark ? "#ffb4ae" : "#9b1c14"
    readonly property color noticeBackground: dark ? "#3d3418" : "#fff6db"
    readonly property color noticeText: dark ? "#f3d98b" : "#6b4e00"

    readonly property int fontSize: Settings.fontSize
    readonly property int smallFontSize: Math.max(7, Settings.fontSize - 2)
    readonly property string monoFamily: "monospace"
    readonly property int radius: 8
    readonly property int spacing: 8
}
