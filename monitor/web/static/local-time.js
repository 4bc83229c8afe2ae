// Times are printed in UTC; hovering one shows it in the viewer's own time zone. The pages
// work without this script (it only adds titles).
document.querySelectorAll("time[datetime]").forEach(function (el) {
  var at = new Date(el.getAttribute("datetime"));
  if (!isNaN(at)) { el.title = at.toLocaleString() + " (your time)"; }
});
