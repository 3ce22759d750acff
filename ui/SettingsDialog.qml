// Settings: sampling, context and threads, backend, theme and font size, and the writing
// assistant's tray and global shortcut. Every change
// is stored at once (QSettings); context size, threads and backend reload the model.
// Two columns when the window is wide enough, so nothing hides below the fold.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Kinglet.Backend

Dialog {
    id: dialog
    title: qsTr("Settings")
    modal: true
    standardButtons: Dialog.Close
    anchors.centerIn: parent
    readonly property bool wide: parent.width >= 900
    readonly property var shortcut: Assistant.globalShortcut  // the desktop's global shortcuts
    width: wide ? Math.min(parent.width - 40, 940) : Math.min(parent.width - 40, 520)
    height: Math.min(parent.height - 40, implicitHeight)
    padding: 20

    // A labelled slider with its value shown, for the sampling numbers.
    component SliderRow: RowLayout {
        id: sliderRow
        property alias label: rowLabel.text
        property alias from: slider.from
        property alias to: slider.to
        property alias stepSize: slider.stepSize
        property real value: 0
        property int decimals: 2
        property string hint: ""
        signal moved(real value)
        Layout.fillWidth: true
        Label { id: rowLabel; Layout.preferredWidth: 150; color: Theme.text }
        Slider {
            id: slider
            Layout.fillWidth: true
            value: sliderRow.value
            snapMode: Slider.SnapAlways
            Accessible.name: rowLabel.text
            onMoved: sliderRow.moved(value)
            ToolTip.visible: hovered && sliderRow.hint.length > 0
            ToolTip.text: sliderRow.hint
            ToolTip.delay: 600
        }
        Label {
            textFormat: Text.PlainText
            text: slider.value.toFixed(sliderRow.decimals)
            Layout.preferredWidth: 40
            horizontalAlignment: Text.AlignRight
            color: Theme.text
        }
    }
    component FieldLabel: Label {
        Layout.preferredWidth: 150
        color: Theme.text
        wrapMode: Text.Wrap
    }
    component SectionTitle: Label {
        font.bold: true
        font.pointSize: Theme.fontSize + 1
        color: Theme.text
        Layout.topMargin: 4
        Layout.bottomMargin: 2
    }

    contentItem: ScrollView {
        id: scroller
        implicitHeight: grid.implicitHeight
        contentWidth: availableWidth
        clip: true
        // Shown only when something is out of view (a small window), so it is noticed.
        ScrollBar.vertical.policy: contentHeight > height + 2 ? ScrollBar.AlwaysOn : ScrollBar.AlwaysOff

        GridLayout {
            id: grid
            width: scroller.availableWidth - (scroller.ScrollBar.vertical.visible ? 14 : 0)
            columns: dialog.wide ? 2 : 1
            columnSpacing: 36
            rowSpacing: 8

            ColumnLayout {
                Layout.fillWidth: true
                Layout.alignment: Qt.AlignTop
                Layout.preferredWidth: 1
                spacing: 6
                SectionTitle { text: qsTr("Answers") }
                SliderRow {
                    label: qsTr("Temperature"); from: 0; to: 2; stepSize: 0.05; value: Settings.temperature
                    hint: qsTr("Higher is more varied; 0 always picks the most likely word")
                    onMoved: (v) => Settings.temperature = v
                }
                SliderRow {
                    label: qsTr("Top-k"); from: 0; to: 200; stepSize: 1; decimals: 0; value: Settings.topK
                    hint: qsTr("Choose among the k most likely tokens only (0 = off)")
                    onMoved: (v) => Settings.topK = Math.round(v)
                }
                SliderRow {
                    label: qsTr("Top-p"); from: 0; to: 1; stepSize: 0.01; value: Settings.topP
                    hint: qsTr("Choose among the most likely tokens that together reach this probability")
                    onMoved: (v) => Settings.topP = v
                }
                SliderRow {
                    label: qsTr("Min-p"); from: 0; to: 1; stepSize: 0.01; value: Settings.minP
                    hint: qsTr("Leave out tokens less likely than this share of the best one")
                    onMoved: (v) => Settings.minP = v
                }
                SliderRow {
                    label: qsTr("Repeat penalty"); from: 1; to: 2; stepSize: 0.01; value: Settings.repeatPenalty
                    hint: qsTr("Discourages repeating recent words (1 = off)")
                    onMoved: (v) => Settings.repeatPenalty = v
                }
                RowLayout {
                    FieldLabel { text: qsTr("Answer length limit") }
                    SpinBox {
                        from: 16; to: 32768; stepSize: 128; editable: true
                        value: Settings.maxTokens
                        Accessible.name: qsTr("Answer length limit in tokens")
                        onValueModified: Settings.maxTokens = value
                    }
                    Label { text: qsTr("tokens"); color: Theme.mutedText }
                }
                Button {
                    text: qsTr("Reset to defaults")
                    flat: true
                    Accessible.name: qsTr("Reset the answer settings to their defaults")
                    onClicked: Settings.resetSampling()
                }
            }

            ColumnLayout {
                Layout.fillWidth: true
                Layout.alignment: Qt.AlignTop
                Layout.preferredWidth: 1
                spacing: 6
                SectionTitle { text: qsTr("Engine") }
                RowLayout {
                    FieldLabel { text: qsTr("Context size") }
                    SpinBox {
                        from: 0; to: 131072; stepSize: 512; editable: true
                        value: Settings.contextSize
                        Accessible.name: qsTr("Context size in tokens")
                        textFromValue: (v) => v === 0 ? qsTr("Model's own") : v.toString()
                        valueFromText: (t) => t === qsTr("Model's own") ? 0 : parseInt(t)
                        onValueModified: Settings.contextSize = value
                    }
                }
                RowLayout {
                    FieldLabel { text: qsTr("Threads") }
                    SpinBox {
                        from: 0; to: Settings.maxThreads; editable: true
                        value: Settings.threads
                        Accessible.name: qsTr("Threads")
                        textFromValue: (v) => v === 0 ? qsTr("All cores") : v.toString()
                        valueFromText: (t) => t === qsTr("All cores") ? 0 : parseInt(t)
                        onValueModified: Settings.threads = value
                    }
                }
                RowLayout {
                    FieldLabel { text: qsTr("Backend") }
                    ComboBox {
                        Layout.preferredWidth: 280
                        textRole: "text"
                        valueRole: "value"
                        model: Settings.backendChoices
                        Accessible.name: qsTr("Backend")
                        Component.onCompleted: currentIndex = Math.max(0, indexOfValue(Settings.backend))
                        onActivated: Settings.backend = currentValue
                    }
                }
                Label {
                    Layout.fillWidth: true
                    wrapMode: Text.Wrap
                    color: Theme.mutedText
                    font.pointSize: Theme.smallFontSize
                    text: qsTr("Changing the context size, threads or backend reloads the model.")
                }

                SectionTitle { text: qsTr("Appearance"); Layout.topMargin: 14 }
                RowLayout {
                    FieldLabel { text: qsTr("Theme") }
                    ComboBox {
                        Layout.preferredWidth: 280
                        textRole: "text"
                        valueRole: "value"
                        model: [{ text: qsTr("Same as the system"), value: "system" },
                                { text: qsTr("Light"), value: "light" }, { text: qsTr("Dark"), value: "dark" }]
                        Accessible.name: qsTr("Theme")
                        Component.onCompleted: currentIndex = Math.max(0, indexOfValue(Settings.theme))
                        onActivated: Settings.theme = currentValue
                    }
                }
                RowLayout {
                    FieldLabel { text: qsTr("Font size") }
                    SpinBox {
                        from: 8; to: 24
                        value: Settings.fontSize
                        Accessible.name: qsTr("Font size")
                        onValueModified: Settings.fontSize = value
                    }
                    Label { text: qsTr("points"); color: Theme.mutedText }
                }

                // The writing assistant's ways in: the tray at login, a global shortcut.
                SectionTitle { text: qsTr("Writing assistant"); Layout.topMargin: 14 }
                CheckBox {
                    objectName: "startMinimized"
                    text: qsTr("Start minimised to the tray")
                    checked: Settings.startMinimized
                    Accessible.name: text
                    onToggled: Settings.startMinimized = checked
                    ToolTip.visible: hovered
                    ToolTip.delay: 600
                    ToolTip.text: qsTr("Kinglet starts with only its tray icon and keeps running there when its windows close; quit from the tray menu. Ignored where the desktop has no tray.")
                }
                RowLayout {
                    visible: dialog.shortcut.available || dialog.shortcut.registered
                    Button {
                        objectName: "registerShortcut"
                        text: dialog.shortcut.registered ? qsTr("Shortcut registered") : qsTr("Register a global shortcut\u2026")
                        enabled: !dialog.shortcut.busy && !dialog.shortcut.registered
                        Accessible.name: qsTr("Register a global shortcut for Summarize with the desktop")
                        onClicked: dialog.shortcut.registerShortcut("summarize", "CTRL+ALT+S")
                    }
                }
                Label {
                    objectName: "shortcutStatus"
                    Layout.fillWidth: true
                    wrapMode: Text.Wrap
                    color: Theme.mutedText
                    font.pointSize: Theme.smallFontSize
                    visible: text.length > 0 && dialog.shortcut.available
                    textFormat: Text.PlainText
                    text: dialog.shortcut.status
                }
                TextEdit {
                    objectName: "shortcutHelp"
                    Layout.fillWidth: true
                    visible: !dialog.shortcut.available && !dialog.shortcut.busy
                    readOnly: true
                    selectByMouse: true
                    wrapMode: Text.Wrap
                    color: Theme.mutedText
                    font.pointSize: Theme.smallFontSize
                    text: dialog.shortcut.manualHelp
                }
            }
        }
    }
}
