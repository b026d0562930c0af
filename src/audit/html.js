// The findings table sorts (click a column) and filters (text, class) in the page; without
// this script it reads the same. Printing opens every row's details.
(function () {
  var table = document.getElementById('findings-table');
  if (!table) return;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var text = document.getElementById('findings-filter');
  var only = document.getElementById('findings-class');
  var shown = document.getElementById('findings-shown');
  function key(row, i) {
    var cell = row.cells[i];
    return cell.getAttribute('data-sort') || cell.textContent.trim().toLowerCase();
  }
  function compare(a, b) {
    var x = Number(a), y = Number(b);
    return isNaN(x) || isNaN(y) ? a.localeCompare(b) : x - y;
  }
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
    var button = document.createElement('button');
    button.type = 'button';
    while (th.firstChild) button.appendChild(th.firstChild);
    th.appendChild(button);
    button.addEventListener('click', function () {
      var direction = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
      Array.prototype.forEach.call(table.querySelectorAll('th[aria-sort]'), function (h) {
        h.removeAttribute('aria-sort');
      });
      th.setAttribute('aria-sort', direction === 1 ? 'ascending' : 'descending');
      rows.sort(function (a, b) { return direction * compare(key(a, i), key(b, i)); });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
  function filter() {
    var words = text.value.trim().toLowerCase(), want = only.value, count = 0;
    rows.forEach(function (row) {
      var show = (!want || row.getAttribute('data-class') === want) &&
        row.textContent.toLowerCase().indexOf(words) !== -1;
      row.hidden = !show;
      if (show) count += 1;
    });
    table.setAttribute('data-shown', count);
    shown.textContent = count + ' of ' + rows.length + ' rows';
  }
  text.addEventListener('input', filter);
  only.addEventListener('change', filter);
  document.getElementById('findings-controls').hidden = false;
  window.addEventListener('beforeprint', function () {
    Array.prototype.forEach.call(document.querySelectorAll('details'), function (d) { d.open = true; });
  });
  filter();
})();
