'use strict';
/* The admin at 1366 px, on a phone and on paper; loaded (not deferred) in the head by admin/base_site.html.

   1. Lists start with the navigation sidebar folded, so that a list's columns have the room. Django's
      nav_sidebar.js (deferred) keeps one state for every page in localStorage; lists keep their own
      ("ntp.admin.navSidebarOnLists", folded until the official opens it on a list) and leave Django's alone.
   2. On a phone the list's filters come first (admin.css), folded into their heading, which becomes a button.
   3. Printing opens every folded part of a form, so that the paper shows all of it. */
{
    const DJANGO_KEY = 'django.admin.navSidebarIsOpen';
    const LISTS_KEY = 'ntp.admin.navSidebarOnLists';
    let elsewhere = null;
    let onList = false;

    function read(key) {
        try { return localStorage.getItem(key); } catch (e) { return null; }
    }

    function write(key, value) {
        try {
            if (value === null) { localStorage.removeItem(key); } else { localStorage.setItem(key, value); }
        } catch (e) { /* storage refused (private mode): the sidebar simply keeps Django's default */ }
    }

    // "interactive" comes once the page is parsed, before the deferred scripts (nav_sidebar.js) run.
    document.addEventListener('readystatechange', function () {
        if (document.readyState !== 'interactive') { return; }
        onList = document.body.classList.contains('change-list') && document.getElementById('toggle-nav-sidebar') !== null;
        if (!onList) { return; }
        elsewhere = read(DJANGO_KEY);
        write(DJANGO_KEY, read(LISTS_KEY) === 'true' ? 'true' : 'false');
    });

    document.addEventListener('DOMContentLoaded', function () {
        if (onList) {
            write(DJANGO_KEY, elsewhere);  // nav_sidebar.js has read the lists' state: other pages keep theirs
            // Registered after nav_sidebar.js's own listener, so it runs after it has toggled and stored.
            document.getElementById('toggle-nav-sidebar').addEventListener('click', function () {
                write(LISTS_KEY, document.getElementById('main').classList.contains('shifted') ? 'true' : 'false');
                write(DJANGO_KEY, elsewhere);
            });
        }

        const filters = document.getElementById('changelist-filter');
        const heading = filters && filters.querySelector('h2');
        if (heading) {
            const button = document.createElement('button');
            button.type = 'button';
            button.className = 'ntp-filter-toggle';
            button.setAttribute('aria-controls', filters.id);
            button.setAttribute('aria-expanded', 'false');
            // The number of filters in use, beside the heading: a filter whose chosen value is not its first ("All").
            const used = Array.from(filters.querySelectorAll(':scope > details')).filter(function (details) {
                const chosen = details.querySelector('li.selected');
                return chosen !== null && chosen !== details.querySelector('li');
            }).length;
            button.textContent = heading.textContent + (used ? ' (' + used + ')' : '');
            const label = document.createElement('span');
            label.className = 'ntp-filter-heading';
            label.textContent = heading.textContent;
            heading.textContent = '';
            heading.append(label, button);
            filters.classList.add('ntp-folded');
            button.addEventListener('click', function () {
                const folded = filters.classList.toggle('ntp-folded');
                button.setAttribute('aria-expanded', folded ? 'false' : 'true');
            });
        }
    });

    const opened = [];
    window.addEventListener('beforeprint', function () {
        document.querySelectorAll('#content-main form details:not([open])').forEach(function (details) {
            details.open = true;
            opened.push(details);
        });
    });
    window.addEventListener('afterprint', function () {
        opened.splice(0).forEach(function (details) { details.open = false; });
    });
}
