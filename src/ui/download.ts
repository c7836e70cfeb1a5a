// Saving a text the page made (an export) as a file the browser downloads.

export function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  // The click starts the download; the object URL can go once it has.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
