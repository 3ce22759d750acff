// The writing assistant: a compact always-on-top window. The source text (from the
// clipboard, the selection, or pasted/dropped here) on top, the action picker, the
// streamed result, and what to do with it. Esc stops and closes.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Kinglet.Backend

ApplicationWindow {
    id: win
    objectName: "assistantWindow"
    width: 580
    height: 600
    minimumWidth: 420
    minimumHeight: 440
    visible: false
    flags: Qt.Window | Qt.WindowStaysOnTopHint
    title: qsTr("Kinglet Assistant")
    color: Theme.window
    font.pointSize: Theme.fontSize

    palette.window: Theme.window
    palette.windowText: Theme.text
    palette.base: Theme.surface
    palette.alternateBase: Theme.raised
    palette.text: Theme.text
    palette.button: Theme.raised
    palette.buttonText: Theme.text
    palette.highlight: Theme.accent
    palette.highlightedText: Theme.accentText
    palette.light: Theme.hover
    palette.midlight: Theme.hover
    palette.mid: Theme.border
    palette.dark: Theme.border
    palette.shadow: Theme.border
    palette.placeholderText: Theme.mutedText

    readonly property var currentAction: AssistantActions.actions[actionPicker.currentIndex] || null
    readonly property bool needsLanguage: currentAction !== null && currentAction.prompt.indexOf("{language}") >= 0

    onClosing: Assistant.stop()

    Shortcut {
        sequence: "Escape"
        enabled: !editor.visible
        onActivated: { Assistant.stop(); win.close() }
    }
    Shortcut { sequence: "Ctrl+Return"; onActivated: Assistant.run(Assistant.actionId) }

    DropArea {
        anchors.fill: parent
        onDropped: (drop) => { if (drop.hasText) { Assistant.sourceText = drop.text; drop.accept() } }
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 14
        spacing: 10

        // Where the text comes from.
        RowLayout {
            Layout.fillWidth: true
            spacing: 6
            Label {
                text: qsTr("Text")
                font.bold: true
                color: Theme.text
            }
            Label {
                textFormat: Text.PlainText
                text: Assistant.sourceText.length > 0 ? qsTr("%L1 characters").arg(Assistant.sourceText.length) : ""
                color: Theme.mutedText
                font.pointSize: Theme.smallFontSize
            }
            Item { Layout.fillWidth: true }
            IconButton {
                objectName: "fromClipboard"
                text: qsTr("From clipboard")
                tip: qsTr("Take the text on the clipboard")
                onClicked: Assistant.loadFrom("clipboard")
            }
            IconButton {
                visible: Assistant.selectionAvailable
                text: qsTr("From selection")
                tip: qsTr("Take the selected text (X11 primary selection)")
                onClicked: Assistant.loadFrom("selection")
            }
        }

        Rectangle {
            Layout.fillWidth: true
            Layout.preferredHeight: 150
            radius: Theme.radius
            color: Theme.surface
            border.color: source.activeFocus ? Theme.accent : Theme.border
            ScrollView {
                anchors.fill: parent
                anchors.margins: 2
                TextArea {
                    id: source
                    objectName: "assistantSource"
                    text: Assistant.sourceText
                    onTextChanged: if (text !== Assistant.sourceText) Assistant.sourceText = text
                    wrapMode: TextEdit.Wrap
                    color: Theme.text
                    background: null
                    placeholderText: qsTr("Copy text anywhere, or paste or drop it here")
                    Accessible.name: qsTr("Source text")
                }
            }
        }

        // What to do with it.
        RowLayout {
            Layout.fillWidth: true
            spacing: 8
            ComboBox {
                id: actionPicker
                objectName: "actionPicker"
                Layout.fillWidth: true
                model: AssistantActions.actions
                textRole: "name"
                valueRole: "id"
                Accessible.name: qsTr("Action")
                currentIndex: Math.max(0, AssistantActions.indexOf(Assistant.actionId))
                onActivated: Assistant.actionId = currentValue
            }
            TextField {
                visible: win.needsLanguage
                Layout.preferredWidth: 120
                text: AssistantActions.language
                placeholderText: qsTr("Language")
                Accessible.name: qsTr("Language to translate to")
                onEditingFinished: AssistantActions.language = text
            }
            Button {
                id: runButton
                objectName: "runButton"
                text: Assistant.busy ? qsTr("Stop") : qsTr("Run")
                enabled: Assistant.busy || Assistant.sourceText.trim().length > 0
                readonly property bool primary: !Assistant.busy && enabled
                contentItem: Text {
                    textFormat: Text.PlainText
                    text: runButton.text
                    font: runButton.font
                    color: runButton.primary ? Theme.accentText : (runButton.enabled ? Theme.text : Theme.mutedText)
                    horizontalAlignment: Text.AlignHCenter
                    verticalAlignment: Text.AlignVCenter
                }
                background: Rectangle {
                    implicitWidth: 100
                    implicitHeight: 40
                    radius: 6
                    color: runButton.primary ? (runButton.down ? Qt.darker(Theme.accent, 1.15) : Theme.accent) : Theme.raised
                    border.color: runButton.primary ? Theme.accent : Theme.border
                }
                ToolTip.visible: hovered
                ToolTip.text: Assistant.busy ? qsTr("Stop (Esc closes)") : qsTr("Run (Ctrl+Enter)")
                ToolTip.delay: 600
                onClicked: Assistant.busy ? Assistant.stop() : Assistant.run(actionPicker.currentValue)
            }
            IconButton {
                text: qsTr("Edit\u2026")
                tip: qsTr("Add, edit or remove actions")
                onClicked: editor.open()
            }
        }

        // A problem: empty clipboard, an image, no model.
        Rectangle {
            objectName: "assistantMessage"
            Layout.fillWidth: true
            visible: Assistant.message.length > 0
            implicitHeight: messageText.implicitHeight + 16
            radius: Theme.radius
            color: Theme.noticeBackground
            Label {
                id: messageText
                anchors.fill: parent
                anchors.margins: 8
                textFormat: Text.PlainText
                text: Assistant.message
                wrapMode: Text.Wrap
                color: Theme.noticeText
            }
        }

        RowLayout {
            Layout.fillWidth: true
            spacing: 8
            Label {
                text: qsTr("Result")
                font.bold: true
                color: Theme.text
            }
            ProgressBar {
                objectName: "assistantProgress"
                Layout.fillWidth: true
                visible: Assistant.busy && Assistant.partCount > 1
                from: 0
                to: Math.max(1, Assistant.partCount)
                value: Assistant.part
            }
            BusyIndicator {
                visible: Assistant.busy
                running: visible
                Layout.preferredWidth: 20
                Layout.preferredHeight: 20
            }
            Item { Layout.fillWidth: !(Assistant.busy && Assistant.partCount > 1) }
            Label {
                objectName: "assistantStatus"
                textFormat: Text.PlainText
                text: Assistant.status
                color: Theme.mutedText
                font.pointSize: Theme.smallFontSize
            }
        }

        Rectangle {
            Layout.fillWidth: true
            Layout.fillHeight: true
            radius: Theme.radius
            color: Theme.raised
            border.color: Theme.border
            ScrollView {
                id: resultScroll
                anchors.fill: parent
                anchors.margins: 2
                TextArea {
                    objectName: "assistantResult"
                    text: Assistant.result
                    readOnly: true
                    selectByMouse: true
                    wrapMode: TextEdit.Wrap
                    color: Theme.text
                    background: null
                    placeholderText: Assistant.busy ? (Assistant.partCount > 1 ? qsTr("Reading the long text part by part (%1); the result follows.").arg(Assistant.status) : Assistant.status) : qsTr("Choose an action and press Run")
                    Accessible.name: qsTr("Result")
                    onTextChanged: cursorPosition = length  // follow the stream
                }
            }
        }

        RowLayout {
            Layout.fillWidth: true
            spacing: 6
            Button {
                text: qsTr("Copy")
                enabled: Assistant.result.length > 0
                onClicked: Assistant.copyResult()
            }
            Button {
                text: qsTr("Replace clipboard")
                enabled: Assistant.result.length > 0 && !Assistant.busy
                onClicked: Assistant.replaceClipboard()
            }
            Button {
                text: qsTr("Open in chat")
                enabled: !Assistant.busy && (Assistant.result.length > 0 || Assistant.sourceText.length > 0)
                onClicked: Assistant.openInChat()
            }
            Item { Layout.fillWidth: true }
            Button {
                text: qsTr("Retry")
                enabled: !Assistant.busy && Assistant.sourceText.trim().length > 0
                onClicked: Assistant.retry()
            }
        }
    }

    // Editing the actions: a list on the left, name and prompt on the right.
    Popup {
        id: editor
        objectName: "actionEditor"
        anchors.centerIn: parent
        width: win.width - 40
        height: win.height - 60
        modal: true
        padding: 12
        property int row: 0
        readonly property var entry: AssistantActions.actions[row] || null
        onOpened: { row = Math.max(0, actionPicker.currentIndex); load() }
        function load() {
            nameField.text = entry ? entry.name : ""
            promptArea.text = entry ? entry.prompt : ""
        }
        background: Rectangle { color: Theme.window; border.color: Theme.border; radius: Theme.radius }

        ColumnLayout {
            anchors.fill: parent
            spacing: 8
            Label { text: qsTr("Actions"); font.bold: true; color: Theme.text }
            RowLayout {
                Layout.fillWidth: true
                Layout.fillHeight: true
                spacing: 10
                ListView {
                    id: actionList
                    Layout.preferredWidth: 170
                    Layout.fillHeight: true
                    clip: true
                    model: AssistantActions.actions
                    currentIndex: editor.row
                    delegate: ItemDelegate {
                        width: actionList.width
                        text: modelData.name
                        highlighted: index === editor.row
                        onClicked: { editor.row = index; editor.load() }
                    }
                }
                ColumnLayout {
                    Layout.fillWidth: true
                    Layout.fillHeight: true
                    TextField { id: nameField; Layout.fillWidth: true; placeholderText: qsTr("Name") }
                    Label {
                        text: qsTr("{text} is replaced by the text; {language} by the language.")
                        color: Theme.mutedText
                        font.pointSize: Theme.smallFontSize
                        wrapMode: Text.Wrap
                        Layout.fillWidth: true
                    }
                    ScrollView {
                        Layout.fillWidth: true
                        Layout.fillHeight: true
                        TextArea {
                            id: promptArea
                            wrapMode: TextEdit.Wrap
                            placeholderText: qsTr("Prompt, with {text}")
                            background: Rectangle { color: Theme.surface; border.color: Theme.border; radius: 4 }
                        }
                    }
                }
            }
            RowLayout {
                Layout.fillWidth: true
                Button {
                    text: qsTr("Save")
                    enabled: editor.entry !== null && nameField.text.trim().length > 0
                    onClicked: AssistantActions.update(editor.entry.id, nameField.text, promptArea.text)
                }
                Button {
                    text: qsTr("Add new")
                    onClicked: {
                        const id = AssistantActions.add(nameField.text.trim().length > 0 && (!editor.entry || nameField.text !== editor.entry.name)
                                                        ? nameField.text : qsTr("New action"),
                                                        promptArea.text.length > 0 ? promptArea.text : "{text}")
                        editor.row = AssistantActions.indexOf(id)
                        editor.load()
                    }
                }
                Button {
                    text: qsTr("Remove")
                    enabled: editor.entry !== null && AssistantActions.actions.length > 1
                    onClicked: { AssistantActions.remove(editor.entry.id); editor.row = Math.max(0, editor.row - 1); editor.load() }
                }
                Button {
                    text: qsTr("Restore defaults")
                    flat: true
                    onClicked: { AssistantActions.restoreDefaults(); editor.row = 0; editor.load() }
                }
                Item { Layout.fillWidth: true }
                Button { text: qsTr("Close"); onClicked: editor.close() }
            }
        }
    }
}
