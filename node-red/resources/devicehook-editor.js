/* Editor helpers shared by the devicehook nodes: the vendors' catalogues (served by the runtime from
 * @devicehook/core, so the editor never keeps its own copy) and the event-type picker that sets outputs. */
(function () {
  'use strict';
  var cache = null;

  function catalogue() {
    if (!cache) {
      cache = new Promise(function (resolve) {
        $.getJSON('devicehook/vendors', resolve).fail(function () {
          cache = null;
          resolve([]);
        });
      });
    }
    return cache;
  }

  function vendorOf(configId) {
    var config = configId && RED.nodes.node(configId);
    return config ? config.vendor : undefined;
  }

  /**
   * Renders checkboxes for the vendor's event types into `container` (or a free-text field for vendors
   * whose types are the sender's own) and calls onChange(types, labels) whenever the choice changes.
   */
  function renderTypePicker(container, vendorId, selected, onChange) {
    container.empty();
    // Only the latest call renders: several change events in a row must not stack their pickers.
    var token = (container.data('devicehookRender') || 0) + 1;
    container.data('devicehookRender', token);
    return catalogue().then(function (vendors) {
      if (container.data('devicehookRender') !== token) return;
      container.empty();
      var vendor = vendors.filter(function (v) { return v.id === vendorId; })[0];
      var chosen = (selected || []).slice();
      function emit() {
        var labels = chosen.map(function (value) {
          var entry = vendor && vendor.eventTypes.filter(function (t) { return t.value === value; })[0];
          return entry ? entry.label : value;
        });
        onChange(chosen.slice(), labels);
      }
      if (!vendor) {
        $('<div class="form-tips"></div>').text(RED._('@devicehook/node-red/devicehook-in:devicehook-in.tip.pick-vendor')).appendTo(container);
        emit();
        return;
      }
      if (vendor.eventTypes.length === 0) {
        var input = $('<input type="text" style="width:100%" class="devicehook-custom-types">')
          .attr('placeholder', 'device.alert, device.status')
          .val(chosen.join(', '))
          .appendTo(container);
        input.on('change keyup', function () {
          chosen = input.val().split(',').map(function (s) { return s.trim(); }).filter(Boolean);
          emit();
        });
        emit();
        return;
      }
      var list = $('<div class="devicehook-types" style="max-height:220px; overflow-y:auto; border:1px solid var(--red-ui-form-input-border-color, #ccc); padding:4px 8px;"></div>').appendTo(container);
      vendor.eventTypes.forEach(function (type) {
        var row = $('<label style="display:block; width:auto; margin:2px 0;"></label>').attr('title', type.description).appendTo(list);
        var box = $('<input type="checkbox" style="width:auto; margin:0 6px 0 0;">').attr('value', type.value).prop('checked', chosen.indexOf(type.value) !== -1).appendTo(row);
        $('<span></span>').text(type.label + ' (' + type.value + ')').appendTo(row);
        box.on('change', function () {
          chosen = vendor.eventTypes.map(function (t) { return t.value; }).filter(function (value) {
            return list.find('input[value="' + value.replace(/"/g, '\\"') + '"]').prop('checked');
          });
          emit();
        });
      });
      emit();
    });
  }

  /**
   * Wires a node's dialog: the type picker follows the chosen vendor configuration, and the outputs
   * follow the chosen types (one per type, then `extraOutputs` more: "other", and "rejected" for verify,
   * then "refused" while "Send refusals to an extra output" is ticked).
   * Choices wait in _pending* until Done, so editing the vendor configuration keeps them.
   */
  function prepareTypeOutputs(node, prefix, extraOutputs) {
    var picker = $('#' + prefix + '-types');
    var original = (node.types || []).slice();
    var originalExtra = extraOutputs + (node.refusedOutput ? 1 : 0);
    var refusedBox = $('#node-input-refusedOutput');
    var current = null;
    function showOutputs() {
      if (!current) return;
      var refused = refusedBox.is(':checked');
      var extra = extraOutputs + (refused ? 1 : 0);
      $('#node-input-outputs').val(JSON.stringify(outputMap(original, current, originalExtra, extra)));
      $('#' + prefix + '-output-count').text(node._(prefix + (refused ? '.tip.outputsRefused' : '.tip.outputs'), { count: current.length + extra }));
    }
    function refresh() {
      var vendorId = vendorOf($('#node-input-vendor').val());
      renderTypePicker(picker, vendorId, node._pendingTypes || node.types, function (types, labels) {
        node._pendingTypes = types;
        node._pendingLabels = labels;
        current = types;
        showOutputs();
      });
    }
    $('#node-input-vendor').on('change', refresh);
    refusedBox.on('change', showOutputs);
    refresh();
  }

  /**
   * The switch node's output map: {oldPort: newPort | -1} for existing ports, "_n" keys for new ones.
   * On save Node-RED moves each wire with its type and drops the wires of types no longer chosen.
   */
  function outputMap(original, types, originalExtra, extra) {
    var map = {};
    original.forEach(function (type, i) { map[i] = types.indexOf(type); });
    // The fixed outputs keep their wires in order; one no longer there ("refused" unticked) drops its wires.
    for (var k = 0; k < originalExtra; k++) map[original.length + k] = k < extra ? types.length + k : -1;
    for (var n = originalExtra; n < extra; n++) map['_extra' + n] = types.length + n;
    types.forEach(function (type, j) { if (original.indexOf(type) === -1) map['_' + j] = j; });
    return map;
  }

  function saveTypeOutputs(node) {
    if (node._pendingTypes) {
      node.types = node._pendingTypes;
      node.typeLabels = node._pendingLabels;
    }
    delete node._pendingTypes;
    delete node._pendingLabels;
  }

  /** The label of output `index`: the type's label, then the fixed outputs' labels in order. */
  function typeOutputLabel(node, index, fixedLabels) {
    var types = node.types || [];
    var labels = node.typeLabels || [];
    return index < types.length ? labels[index] || types[index] : fixedLabels[index - types.length];
  }

  /**
   * The "Allowed sources" rows: the "also allow the vendor's published addresses" checkbox shows only when
   * the chosen vendor configuration's vendor publishes addresses (1NCE), and lists them.
   */
  function prepareSources(prefix) {
    var row = $('#' + prefix + '-vendor-sources-row');
    function refresh() {
      var vendorId = vendorOf($('#node-input-vendor').val());
      catalogue().then(function (vendors) {
        var vendor = vendors.filter(function (v) { return v.id === vendorId; })[0];
        var addresses = (vendor && vendor.sourceAddresses) || [];
        row.toggle(addresses.length > 0);
        $('#' + prefix + '-vendor-sources-list').text(addresses.join(', '));
      });
    }
    $('#node-input-vendor').on('change', refresh);
    refresh();
  }

  window.DeviceHookEditor = {
    prepareSources: prepareSources,
    catalogue: catalogue,
    vendorOf: vendorOf,
    renderTypePicker: renderTypePicker,
    prepareTypeOutputs: prepareTypeOutputs,
    saveTypeOutputs: saveTypeOutputs,
    typeOutputLabel: typeOutputLabel
  };
})();
