// Settings: sampling, context and threads, backend, theme and font size. Every change
// is stored at once (QSettings); context size and threads reload the model.
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
    width: Math.min(parent.width - 40, 560)
    height: Math.min(parent.height - 40, 640)
    padding: 0

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
            text: slider.value.toFixed(sliderRow.decimals)
            Layout.preferredWidth: 44
            horizontalAlignment: Text.AlignRight
            color: Theme.text
        }
    }

    component SectionTitle: Label {
        font.bold: true
        color: Theme.text
        Layout.topMargin: 10
    }

    ScrollView {
        anchors.fill: parent
        contentWidth: availableWidth
        ColumnLayout {
            width: parent.width - 40
            x: 20
            spacing: 8

            SectionTitle { text: qsTr("Sampling") }
            SliderRow {
                label: qsTr("Temperature"); from: 0; to: 2; stepSize: 0.05; value: Settings.temperature
                hint: qsTr("Higher is more varied, 0 always picks the most likely word")
                onMoved: (v) => Settings.temperature = v
            }
            SliderRow {
                label: qsTr("Top-k"); from: 0; to: 200; stepSize: 1; decimals: 0; value: Settings.topK
                hint: qsTr("Only the k most likely tokens (0 = off)")
                onMoved: (v) => Settings.topK = Math.round(v)
            }
            SliderRow {
                label: qsTr("Top-p"); from: 0; to: 1; stepSize: 0.01; value: Settings.topP
                onMoved: (v) => Settings.topP = v
            }
            SliderRow {
                label: qsTr("Min-p"); from: 0; to: 1; stepSize: 0.01; value: Settings.minP
                onMoved: (v) => Settings.minP = v
            }
            SliderRow {
                label: qsTr("Repeat penalty"); from: 1; to: 2; stepSize: 0.01; value: Settings.repeatPenalty
                onMoved: (v) => Settings.repeatPenalty = v
            }
            RowLayout {
                Label { text: qsTr("Longest answer (tokens)"); Layout.preferredWidth: 150; color: Theme.text }
                SpinBox {
                    from: 16; to: 32768; stepSize: 128; editable: true
                    value: Settings.maxTokens
                    Accessible.name: qsTr("Longest answer in tokens")
                    onValueModified: Settings.maxTokens = value
                }
                Item { Layout.fillWidth: true }
                Button { text: qsTr("Reset sampling"); flat: true; onClicked: Settings.resetSampling() }
            }

            SectionTitle { text: qsTr("Engine") }
            RowLayout {
                Label { text: qsTr("Context size"); Layout.preferredWidth: 150; color: Theme.text }
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
                Label { text: qsTr("Threads"); Layout.preferredWidth: 150; color: Theme.text }
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
                Label { text: qsTr("Backend"); Layout.preferredWidth: 150; color: Theme.text }
                ComboBox {
                    Layout.preferredWidth: 200
                    textRole: "text"
                    valueRole: "value"
                    model: [{ text: qsTr("Automatic"), value: "auto" }, { text: qsTr("CPU"), value: "cpu" }]
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

            SectionTitle { text: qsTr("Appearance") }
            RowLayout {
                Label { text: qsTr("Theme"); Layout.preferredWidth: 150; color: Theme.text }
                ComboBox {
                    Layout.preferredWidth: 200
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
                Label { text: qsTr("Font size"); Layout.preferredWidth: 150; color: Theme.text }
                SpinBox {
                    from: 8; to: 24
                    value: Settings.fontSize
                    Accessible.name: qsTr("Font size")
                    onValueModified: Settings.fontSize = value
                }
            }
            Item { implicitHeight: 12 }
        }
    }
}
