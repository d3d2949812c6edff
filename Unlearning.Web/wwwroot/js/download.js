// Saves text made in the circuit as a file download (the screening table's CSV of its visible rows; docs/views.md,
// "Screening table"): no server round trip, the text is already in the page.
export function saveText(name, text, type) {
    const url = URL.createObjectURL(new Blob([text], { type: type || 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.style.display = 'none';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 2000);
}
