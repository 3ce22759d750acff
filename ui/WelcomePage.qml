// The first-run welcome, over the whole window: what runs where (everything, here), the
// demo model to start chatting at once (or its one-click download when this install has
// none) and the way to the library of real chat models. FirstRun (C++) decides when it
// shows and does the work; this page only shows its state.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Kinglet.Backend

Rectangle {
    id: page
    objectName: "welcomePage"
    color: Theme.sidebar
    signal libraryRequested()

    readonly property bool hasDemo: FirstRun.demoPath.length > 0
    readonly property bool downloading: ["queued", "running", "verifying"].indexOf(FirstRun.downloadState) >= 0
    readonly property bool downloadFailed: ["failed", "canceled"].indexOf(FirstRun.downloadState) >= 0
    readonly property bool narrow: width < 720

    Component.onCompleted: (hasDemo ? startButton : downloadButton).forceActiveFocus()

    // The Basic style draws a highlighted button in the palette's "dark" role, which is a
    // pale grey in this theme: the main action gets the accent colour instead.
    component ActionButton: Button {
        id: button
        property bool primary: false
        leftPadding: 18
        rightPadding: 18
        topPadding: 9
        bottomPadding: 9
        Keys.onReturnPressed: clicked()
        Keys.onEnterPressed: clicked()
        contentItem: Label {
            text: button.text
            font: button.font
            color: !button.enabled ? Theme.mutedText : button.primary ? Theme.accentText : Theme.text
            horizontalAlignment: Text.AlignHCenter
            verticalAlignment: Text.AlignVCenter
            elide: Text.ElideRight
        }
        background: Rectangle {
            implicitHeight: 38
            radius: 6
            color: !button.enabled ? Theme.hover
                 : button.primary ? (button.down ? Qt.darker(Theme.accent, 1.15) : button.hovered ? Qt.lighter(Theme.accent, 1.1) : Theme.accent)
                 : (button.down ? Theme.selected : button.hovered ? Theme.hover : Theme.raised)
            border.width: button.visualFocus ? 2 : 1
            border.color: button.visualFocus ? (button.primary ? Theme.text : Theme.accent)
                                             : (button.primary && button.enabled ? Theme.accent : Theme.border)
        }
    }

    // The window underneath takes no clicks or wheel turns while the welcome shows.
    MouseArea {
        anchors.fill: parent
        acceptedButtons: Qt.AllButtons
        onWheel: (wheel) => wheel.accepted = true
    }

    Flickable {
        id: scroller
        anchors.fill: parent
        readonly property int margin: page.narrow ? 16 : 32
        contentWidth: width
        contentHeight: Math.max(height, card.height + 2 * margin)
        boundsBehavior: Flickable.StopAtBounds
        clip: true
        ScrollBar.vertical: ScrollBar {
            policy: scroller.contentHeight > scroller.height ? ScrollBar.AlwaysOn : ScrollBar.AlwaysOff
            contentItem: Rectangle { implicitWidth: 6; radius: 3; color: Theme.mutedText; opacity: 0.5 }
        }

        Rectangle {
            id: card
            readonly property int pad: page.narrow ? 20 : 32
            width: Math.min(620, scroller.width - 2 * scroller.margin)
            height: content.implicitHeight + 2 * pad
            x: Math.round((scroller.width - width) / 2)
            y: Math.round(Math.max(scroller.margin, (scroller.height - height) / 2))
            radius: 12
            color: Theme.surface
            border.color: Theme.border

            ColumnLayout {
                id: content
                x: card.pad
                y: card.pad
                width: card.width - 2 * card.pad
                spacing: 16

                RowLayout {
                    Layout.fillWidth: true
                    spacing: 16
                    Image {
                        source: "qrc:/kinglet/icons/io.github.kinglet.Kinglet.png"
                        sourceSize.width: 128
                        sourceSize.height: 128
                        Layout.preferredWidth: page.narrow ? 48 : 64
                        Layout.preferredHeight: Layout.preferredWidth
                        smooth: true
                        mipmap: true
                        Accessible.ignored: true
                    }
                    ColumnLayout {
                        Layout.fillWidth: true
                        spacing: 2
                        Label {
                            Layout.fillWidth: true
                            text: qsTr("Welcome to Kinglet")
                            font.pointSize: Theme.fontSize + (page.narrow ? 6 : 9)
                            font.bold: true
                            color: Theme.text
                            wrapMode: Text.Wrap
                            Accessible.role: Accessible.Heading
                        }
                        Label {
                            Layout.fillWidth: true
                            text: qsTr("Chat with language models that run on this computer.")
                            color: Theme.mutedText
                            wrapMode: Text.Wrap
                        }
                    }
                }

                // What runs where, in plain words.
                ColumnLayout {
                    Layout.fillWidth: true
                    spacing: 10
                    Repeater {
                        model: [
                            { title: qsTr("Everything runs here."),
                              text: qsTr("The models run on this computer's processor or graphics card. Your chats and settings are kept in a folder on this computer.") },
                            { title: qsTr("No account."),
                              text: qsTr("There is nothing to sign up for or sign in to.") },
                            { title: qsTr("Nothing is sent anywhere."),
                              text: qsTr("Kinglet only goes online when you download a model, and then it fetches just that file.") }
                        ]
                        delegate: RowLayout {
                            required property var modelData
                            Layout.fillWidth: true
                            spacing: 12
                            Rectangle {
                                Layout.alignment: Qt.AlignTop
                                Layout.topMargin: 1
                                width: 22
                                height: 22
                                radius: 11
                                color: Theme.userBubble
                                Label {
                                    anchors.centerIn: parent
                                    text: "\u2713"
                                    color: Theme.accent
                                    font.bold: true
                                }
                            }
                            Label {
                                Layout.fillWidth: true
                                textFormat: Text.StyledText
                                text: "<b>" + modelData.title + "</b> " + modelData.text
                                color: Theme.text
                                wrapMode: Text.Wrap
                                lineHeight: 1.1
                            }
                        }
                    }
                }

                Rectangle { Layout.fillWidth: true; height: 1; color: Theme.border }

                // The demo model: chat at once, or get it in one click.
                ColumnLayout {
                    Layout.fillWidth: true
                    spacing: 8
                    Label {
                        text: qsTr("Try it now")
                        font.pointSize: Theme.fontSize + 2
                        font.bold: true
                        color: Theme.text
                        Accessible.role: Accessible.Heading
                    }
                    Label {
                        Layout.fillWidth: true
                        wrapMode: Text.Wrap
                        color: Theme.text
                        textFormat: Text.PlainText
                        text: page.hasDemo
                              ? qsTr("The demo model is ready: a tiny model that writes short children's stories. It is no real assistant, but it shows that everything works.")
                              : qsTr("Get the demo model (%1): a tiny model that writes short children's stories. It is no real assistant, but it shows that everything works.")
                                .arg(FirstRun.demoSizeText)
                    }
                    ProgressBar {
                        Layout.topMargin: 4
                        visible: page.downloading && !page.hasDemo
                        Layout.fillWidth: true
                        from: 0
                        to: 1
                        value: FirstRun.downloadProgress
                        Accessible.name: qsTr("Downloading the demo model")
                        background: Rectangle { implicitHeight: 6; radius: 3; color: Theme.hover }
                        contentItem: Item {
                            implicitHeight: 6
                            Rectangle {
                                width: parent.width * FirstRun.downloadProgress
                                height: parent.height
                                radius: 3
                                color: Theme.accent
                            }
                        }
                    }
                    Label {
                        visible: page.downloadFailed && !page.hasDemo
                        Layout.fillWidth: true
                        wrapMode: Text.Wrap
                        color: Theme.errorText
                        textFormat: Text.PlainText
                        text: FirstRun.downloadError.length > 0 ? FirstRun.downloadError : qsTr("The download was stopped.")
                    }
                    ActionButton {
                        id: startButton
                        primary: true
                        objectName: "welcomeStartButton"
                        visible: page.hasDemo
                        text: qsTr("Start chatting")
                        onVisibleChanged: if (visible) forceActiveFocus()  // after the download: Enter starts
                        Layout.topMargin: 4
                        onClicked: FirstRun.startChatting()
                    }
                    ActionButton {
                        id: downloadButton
                        primary: true
                        objectName: "welcomeDownloadButton"
                        visible: !page.hasDemo && FirstRun.demoUrl.length > 0
                        enabled: !page.downloading
                        Layout.topMargin: 4
                        text: page.downloading
                              ? qsTr("Downloading\u2026 %1 %").arg(Math.round(FirstRun.downloadProgress * 100))
                              : page.downloadFailed ? qsTr("Try again")
                                                    : qsTr("Download the demo model (%1)").arg(FirstRun.demoSizeText)
                        Accessible.description: FirstRun.demoUrl
                        onClicked: FirstRun.downloadDemo()
                    }
                }

                Rectangle { Layout.fillWidth: true; height: 1; color: Theme.border }

                // Real chat models, from the library.
                ColumnLayout {
                    Layout.fillWidth: true
                    spacing: 8
                    Label {
                        text: qsTr("Real chat models")
                        font.pointSize: Theme.fontSize + 2
                        font.bold: true
                        color: Theme.text
                        Accessible.role: Accessible.Heading
                    }
                    Label {
                        Layout.fillWidth: true
                        wrapMode: Text.Wrap
                        color: Theme.text
                        text: qsTr("For real conversations, download a chat model from the library (a few hundred MB to a few GB), or use a .gguf file you already have. The library is always in the model menu.")
                    }
                    ActionButton {
                        objectName: "welcomeLibraryButton"
                        text: qsTr("Browse chat models")
                        Layout.topMargin: 4
                        onClicked: { FirstRun.finish(); page.libraryRequested() }
                    }
                }
            }
        }
    }
}
