"""The QGIS plugin: the "S2GM" menu and toolbar, settings, about, the Processing provider, and
the features that plug into them.

Plugging a feature in
---------------------
A feature (delay inspector, mosaic dock, ...) is a module under ``s2gm_qgis.gui`` whose name is
listed in ``FEATURES`` below, in menu order. The module exposes::

    def init_gui(plugin: S2gmPlugin) -> object | None:
        '''Build the feature; register everything it adds to QGIS through ``plugin``.'''
        dock = MyDock(plugin.iface.mainWindow())         # objectName set, e.g. "s2gm_qgis_my_dock"
        action = plugin.add_action("my_tool", tr("My tool"), "my_tool.svg", checkable=True)
        plugin.add_dock(dock, action=action)
        plugin.connect(plugin.preferences_changed, dock.on_preferences)
        return dock                                       # kept as plugin.features["my_feature"]

    def unload(plugin: S2gmPlugin) -> None:               # optional
        '''Extra cleanup (e.g. cancel running tasks); runs before the registrations are undone.'''

Everything registered through ``add_action``, ``add_dock``, ``add_map_tool``,
``add_layer_action``, ``connect`` and ``on_unload`` is undone by ``unload()``, newest first, so a
feature does not write its own teardown of those. A feature starts in isolation: if its
``init_gui`` raises, what it had registered is undone, the error goes to the message bar and the
log (tag S2GM), ``failed_features`` records it, and the other features still start.

Processing algorithms do not go here: see ``s2gm_qgis.processing.provider.ALGORITHM_FACTORIES``.
"""
from __future__ import annotations

import traceback
from contextlib import ExitStack
from typing import Callable, Optional, Union

from qgis.core import Qgis, QgsApplication
from qgis.PyQt.QtCore import QObject, Qt, pyqtSignal
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QDockWidget, QMenu

from ..resources import icon_path
from ..qgis_support.i18n import install_translator, tr
from ..qgis_support.compat import QAction
from ..qgis_support.messages import install_log_handler, log_message, push_message, remove_log_handler

#: Feature modules under s2gm_qgis.gui, in menu order (see the module docstring).
FEATURES: tuple[str, ...] = ("mosaic", "timeseries", "delays")

#: Prefix of the objectName of everything the plugin adds to the main window.
OBJECT_PREFIX = "s2gm_qgis_"


class S2gmPlugin(QObject):
    """What QGIS loads: ``classFactory(iface)`` returns one; QGIS calls ``initGui``/``unload``
    (desktop) or ``initProcessing``/``unload`` (qgis_process)."""

    #: Emitted with the new ``Preferences`` after the settings dialog saved them.
    preferences_changed = pyqtSignal(object)

    def __init__(self, iface, features: Optional[tuple[str, ...]] = None):
        super().__init__()
        self.iface = iface
        #: Feature module names to start (``FEATURES`` unless a test passes others).
        self.feature_names = FEATURES if features is None else tuple(features)
        #: Feature name -> what its ``init_gui`` returned, for the features that started.
        self.features: dict[str, object] = {}
        #: Feature name -> the exception that stopped its ``init_gui``.
        self.failed_features: dict[str, BaseException] = {}
        #: Exceptions raised by teardown steps during the last ``unload()`` (logged too).
        self.unload_errors: list[BaseException] = []
        self.menu: Optional[QMenu] = None
        self.toolbar = None
        self.provider = None
        self.settings_action: Optional[QAction] = None
        self.about_action: Optional[QAction] = None
        self._stack = ExitStack()
        self._translated = False

    # ---------------------------------------------------------------- QGIS entry points

    def initProcessing(self) -> None:  # noqa: N802 (QGIS API)
        """Register the Processing provider (no GUI here: qgis_process calls this alone)."""
        if self.provider is not None:
            return
        self._install_translator()
        from ..processing.provider import S2gmProvider

        provider = S2gmProvider()
        if not QgsApplication.processingRegistry().addProvider(provider):
            raise RuntimeError(f"QGIS refused the Processing provider {provider.id()!r}")
        self.provider = provider
        self.on_unload(self._remove_provider)

    def initGui(self) -> None:  # noqa: N802 (QGIS API)
        """Add the menu, toolbar, core actions and features; undo everything if that fails."""
        self.failed_features = {}
        try:
            self.initProcessing()
            handler = install_log_handler(self.iface)
            self.on_unload(remove_log_handler, handler)
            self._add_menu_and_toolbar()
            for name in self.feature_names:
                self._start_feature(name)
            for container in (self.menu, self.toolbar):
                if container.actions():  # features above, core actions below
                    container.addSeparator()
            self.settings_action = self.add_action(
                "settings", tr("Settings…"), "settings.svg", self.show_settings,
                tooltip=tr("Engine, service and folders of S2GM"),
            )
            self.about_action = self.add_action(
                "about", tr("About S2GM…"), "about.svg", self.show_about, toolbar=False
            )
        except BaseException:
            self.unload()
            raise

    def unload(self) -> None:
        """Remove everything ``initGui``/``initProcessing`` added, newest first.

        A step that fails is logged and recorded in ``unload_errors``; the others still run, so
        QGIS is never left with half a plugin.
        """
        self.unload_errors = []
        stack, self._stack = self._stack, ExitStack()
        stack.close()
        self.features.clear()
        self.menu = self.toolbar = self.provider = None
        self.settings_action = self.about_action = None
        self._translated = False

    # ---------------------------------------------------------------- registration API

    def on_unload(self, callback: Callable, *args, **kwargs) -> None:
        """Run ``callback(*args, **kwargs)`` at ``unload()`` (before what was registered earlier)."""
        self._stack.callback(self._run_teardown_step, callback, args, kwargs)

    def add_action(
        self,
        name: str,
        text: str,
        icon: Union[str, QIcon, None] = None,
        callback: Optional[Callable] = None,
        *,
        menu: bool = True,
        toolbar: bool = True,
        checkable: bool = False,
        tooltip: Optional[str] = None,
    ) -> QAction:
        """Create an action in the S2GM menu and/or toolbar; ``unload()`` removes it.

        ``name`` gives its objectName (``s2gm_qgis_<name>``, used by QGIS customisation);
        ``icon`` is a file name in resources/icons or a QIcon; ``callback`` is connected to
        ``triggered`` (it receives the checked state).
        """
        action = QAction(self._icon(icon), text, self.iface.mainWindow())
        action.setObjectName(OBJECT_PREFIX + name)
        action.setCheckable(checkable)
        action.setToolTip(tooltip or text.rstrip("…"))
        action.setStatusTip(tooltip or text.rstrip("…"))
        if callback is not None:
            action.triggered.connect(callback)
        if menu:
            self.menu.addAction(action)
        if toolbar:
            self.toolbar.addAction(action)
        self.on_unload(self._remove_action, action)
        return action

    def add_dock(
        self,
        dock: QDockWidget,
        area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea,
        *,
        action: Optional[QAction] = None,
    ) -> QDockWidget:
        """Add ``dock`` to the main window; ``unload()`` removes and deletes it.

        The dock needs an objectName (QGIS saves the window layout by it). With ``action``, the
        action becomes checkable and shows/hides the dock, staying in step with it.
        """
        if not dock.objectName():
            raise ValueError("a dock needs an objectName, e.g. 's2gm_qgis_mosaic_dock'")
        self.iface.addDockWidget(area, dock)
        if action is not None:
            action.setCheckable(True)
            action.setChecked(dock.isVisible())
            action.toggled.connect(dock.setVisible)
            dock.visibilityChanged.connect(action.setChecked)
        self.on_unload(self._remove_dock, dock)
        return dock

    def add_map_tool(self, tool, action: Optional[QAction] = None):
        """Register a QgsMapTool; with ``action``, the action (made checkable) activates it.

        ``unload()`` takes the tool off the canvas if it is active.
        """
        canvas = self.iface.mapCanvas()
        if action is not None:
            action.setCheckable(True)
            tool.setAction(action)
            action.triggered.connect(lambda _checked=False: canvas.setMapTool(tool))
        self.on_unload(self._remove_map_tool, canvas, tool)
        return tool

    def add_layer_action(self, action: QAction, layer_type, *, all_layers: bool = True,
                         menu: str = "S2GM") -> QAction:
        """Put ``action`` in the layer tree context menu of layers of ``layer_type``
        (``QgsMapLayerType.RasterLayer``...); ``unload()`` takes it out and deletes it."""
        self.iface.addCustomActionForLayerType(action, menu, layer_type, all_layers)
        self.on_unload(self._remove_layer_action, action)
        return action

    def connect(self, signal, slot: Callable) -> None:
        """``signal.connect(slot)``, disconnected at ``unload()`` (for signals of QGIS objects
        that outlive the plugin: the project, the canvas, the layer tree)."""
        signal.connect(slot)
        self.on_unload(_disconnect, signal, slot)

    # ---------------------------------------------------------------- services for features

    def push_message(self, text: str, level: Qgis.MessageLevel = Qgis.MessageLevel.Info,
                     **kwargs) -> None:
        """Message bar + QGIS log under the tag S2GM (see ``messages.push_message``)."""
        push_message(self.iface, text, level, **kwargs)

    def show_settings(self) -> None:
        """Open the settings dialog; emit ``preferences_changed`` if the user saved."""
        from ..qgis_support.preferences import Preferences
        from .settings_dialog import SettingsDialog

        dialog = SettingsDialog(Preferences.load(), parent=self.iface.mainWindow())
        if dialog.exec() and dialog.saved_preferences is not None:
            self.preferences_changed.emit(dialog.saved_preferences)

    def show_about(self) -> None:
        """Open the About dialog."""
        from .about import AboutDialog

        AboutDialog(parent=self.iface.mainWindow()).exec()

    # ---------------------------------------------------------------- internals

    def _install_translator(self) -> None:
        if self._translated:
            return
        translator = install_translator()
        self._translated = True
        if translator is not None:
            self.on_unload(QgsApplication.removeTranslator, translator)

    def _add_menu_and_toolbar(self) -> None:
        main_window = self.iface.mainWindow()
        menu = QMenu("S2GM", main_window)
        menu.setObjectName(OBJECT_PREFIX + "menu")
        menu_bar = main_window.menuBar()
        help_menu = self.iface.firstRightStandardMenu()
        if isinstance(help_menu, QMenu):  # QGIS puts plugin menus before Help
            menu_bar.insertMenu(help_menu.menuAction(), menu)
        else:
            menu_bar.addMenu(menu)
        self.menu = menu
        self.on_unload(_remove_menu, menu_bar, menu)

        toolbar = self.iface.addToolBar("S2GM")
        toolbar.setObjectName(OBJECT_PREFIX + "toolbar")
        self.toolbar = toolbar
        self.on_unload(_remove_toolbar, main_window, toolbar)

    def _start_feature(self, name: str) -> None:
        """Run a feature's init_gui with its registrations gathered in their own stack."""
        feature_stack = ExitStack()
        outer, self._stack = self._stack, feature_stack
        try:
            # __import__, not importlib: QGIS tracks a plugin's modules through the builtin
            # import hook and removes them from sys.modules when the plugin is unloaded, so
            # that reloading the plugin runs fresh code.
            module = __import__(f"{__package__}.{name}", fromlist=["init_gui"])
            result = module.init_gui(self)
            if hasattr(module, "unload"):
                self.on_unload(module.unload, self)
        except Exception as exc:  # noqa: BLE001 (one broken feature must not stop the others)
            self._stack = outer
            feature_stack.close()
            self.failed_features[name] = exc
            push_message(
                self.iface,
                tr("The {feature} tool could not start: {error}").format(feature=name, error=exc),
                Qgis.MessageLevel.Critical,
                details=traceback.format_exc(),
            )
            return
        finally:
            self._stack = outer
        self._stack.enter_context(feature_stack)
        self.features[name] = result

    def _run_teardown_step(self, callback: Callable, args: tuple, kwargs: dict) -> None:
        try:
            callback(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 (the remaining steps must still run)
            self.unload_errors.append(exc)
            log_message(
                f"unload step {getattr(callback, '__qualname__', callback)!r} failed:\n"
                f"{traceback.format_exc()}",
                Qgis.MessageLevel.Critical,
            )

    def _remove_action(self, action: QAction) -> None:
        if self.menu is not None:
            self.menu.removeAction(action)
        if self.toolbar is not None:
            self.toolbar.removeAction(action)
        action.deleteLater()

    def _remove_layer_action(self, action: QAction) -> None:
        self.iface.removeCustomActionForLayerType(action)
        action.deleteLater()

    def _remove_dock(self, dock: QDockWidget) -> None:
        self.iface.removeDockWidget(dock)
        dock.deleteLater()

    def _remove_map_tool(self, canvas, tool) -> None:
        if canvas.mapTool() == tool:
            canvas.unsetMapTool(tool)

    def _remove_provider(self) -> None:
        QgsApplication.processingRegistry().removeProvider(self.provider)

    def _icon(self, icon: Union[str, QIcon, None]) -> QIcon:
        if icon is None:
            return QIcon()
        return icon if isinstance(icon, QIcon) else QIcon(icon_path(icon))


def _remove_menu(menu_bar, menu: QMenu) -> None:
    menu_bar.removeAction(menu.menuAction())
    menu.deleteLater()


def _remove_toolbar(main_window, toolbar) -> None:
    main_window.removeToolBar(toolbar)
    toolbar.deleteLater()


def _disconnect(signal, slot: Callable) -> None:
    try:
        signal.disconnect(slot)
    except (TypeError, RuntimeError):
        # Already disconnected, or the emitting object is gone with its connections.
        pass
