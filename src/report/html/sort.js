// Sorts the comparison table by a column when its header is clicked (again: the other
// way). Cells sort by their data-sort value when they have one, else by their text.
// The page reads the same without this script, in the order it was written.
for (const table of document.querySelectorAll("table.sortable")) {
  const body = table.tBodies[0];
  table.querySelectorAll("thead th").forEach((th, column) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = th.textContent;
    button.title = "sort by this column";
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", () => {
      const descending = th.getAttribute("aria-sort") !== "descending";
      table.querySelectorAll("thead th").forEach((other) => other.removeAttribute("aria-sort"));
      th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      const key = (row) => {
        const cell = row.cells[column];
        const value = cell.dataset.sort ?? cell.textContent.trim();
        const number = Number(value);
        return value !== "" && !Number.isNaN(number) ? number : value.toLowerCase();
      };
      const rows = Array.from(body.rows);
      rows.sort((a, b) => {
        const [x, y] = [key(a), key(b)];
        const order = typeof x === typeof y ? (x < y ? -1 : x > y ? 1 : 0) : typeof x === "number" ? -1 : 1;
        return descending ? -order : order;
      });
      rows.forEach((row) => body.appendChild(row));
    });
  });
}
