// The model picker in the chat header: shows the model in use; its menu lists the
// models found, Unload, and the model page.
import QtQuick
import QtQuick.Controls
import Kinglet.Backend

Button {
    id: button
    signal manageRequested()
    flat: true
    text: {
        if (Model.state === "ready") return Model.name + "  \u25BE"
        if (Model.state === "loading") return qsTr("Loading\u2026 %1%").arg(Math.round(Model.progress * 100))
        return qsTr("Choose a model") + "  \u25BE"
    }
    Accessible.name: qsTr("Model: %1").arg(Model.state === "ready" ? Model.name : qsTr("none"))
    ToolTip.visible: hovered && Model.path.length > 0
    ToolTip.text: Model.path
    ToolTip.delay: 600
    onClicked: { ModelFiles.refresh(); menu.popup(button, 0, button.height) }

    Menu {
        id: menu
        width: 320
        Instantiator {
            model: ModelFiles
            delegate: MenuItem {
                required property string name
                required property string path
                required property string sizeText
                required property bool demo
                text: name + "   " + sizeText + (demo ? "  \u00b7 " + qsTr("demo") : "")
                checkable: true
                checked: Model.path === path
                onTriggered: Model.load(path)
            }
            onObjectAdded: (index, object) => menu.insertItem(index, object)
            onObjectRemoved: (index, object) => menu.removeItem(object)
        }
        MenuSeparator {}
        MenuItem {
            text: qsTr("Unload model")
            enabled: Model.state === "ready"
            onTriggered: Model.unload()
        }
        MenuItem {
            text: qsTr("Models\u2026")
            onTriggered: button.manageRequested()
        }
    }
}
