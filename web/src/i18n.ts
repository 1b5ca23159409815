// French first, English available: the dictionaries live here (no external service). The
// choice is kept in localStorage; `<html lang>` follows it. Placeholders are `{name}`.

const fr = {
  loading: 'Chargement…',
  'shell.skip': 'Aller au contenu',
  'shell.tagline': 'les adresses en commun',
  'shell.nav': 'Navigation principale',
  'shell.explorer': 'Explorer',
  'shell.editor': 'Éditer ma commune',
  'shell.footer': 'geocommun — les adresses publiées par les communes, ouvertes à tous.',
  'shell.api': 'API (OpenAPI)',
  'shell.switch': 'English',
  'shell.switchLang': 'en',
  'map.region': 'Carte',
  'map.label': 'Carte des adresses',
  'map.noTiles':
    'Le fond de carte vectoriel du serveur n’est pas disponible (GET /tiles/style.json : {status}) : la carte montre seulement les résultats.',
  'map.network': 'erreur réseau',
  'map.unavailable': 'La carte ne peut pas être affichée dans ce navigateur ({reason}) ; le reste de la page fonctionne sans elle.',
  'notFound.title': 'Page introuvable',
  'notFound.text': 'Aucune page à l’adresse {path}.',
  'notFound.home': 'Revenir à l’accueil',
  'error.title': 'Erreur',
  'search.label': 'Rechercher une adresse, une voie ou une commune',
  'search.hint': 'Par exemple : 8 boulevard du Port Amiens. Les fautes de frappe sont tolérées ; flèches pour choisir, Entrée pour ouvrir.',
  'search.count': '[n:{n} résultat|{n} résultats]. Flèches haut et bas pour parcourir.',
  'search.none': 'Aucun résultat pour « {q} ».',
  'type.housenumber': 'Adresse',
  'type.street': 'Voie',
  'type.locality': 'Lieu-dit',
  'type.municipality': 'Commune',
  'home.title': 'Explorer les adresses',
  'home.lead':
    'La base nationale des adresses, publiée par les communes : cherchez une adresse, voyez ses positions et son historique, ou les chiffres d’une commune.',
  'home.reuse': 'Réutiliser les données',
  'home.openapi': 'La documentation de l’API (OpenAPI)',
  'home.feed': 'Le flux des changements',
  'home.export': 'L’export France entière (CSV BAN, gzip)',
  'address.notFound': 'Adresse introuvable',
  'address.banId': 'Identifiant BAN',
  'address.noBanId': 'pas encore d’identifiant BAN',
  'address.id': 'Identifiant',
  'address.commune': 'Commune',
  'address.postcode': 'Code postal',
  'address.context': 'Contexte',
  'address.positions': 'Positions',
  'address.history': 'Historique',
  'address.historyError': 'L’historique ne peut pas être lu : {message}',
  'address.noHistory':
    'Pas encore d’historique publié : ces données viennent des fichiers de repli (BAN / BANO) et la commune n’a encore rien publié qui les concerne.',
  'position.title': 'Positions',
  'position.best': 'position retenue',
  'position.type': 'Type de position',
  'position.lon': 'Longitude',
  'position.lat': 'Latitude',
  'position.legend': 'Position {n}',
  'position.useCenter': 'Prendre le centre de la carte',
  'position.remove': 'Retirer cette position',
  'position.add': 'Ajouter une position',
  'history.from': 'du {from}',
  'history.until': 'au {until}',
  'history.current': 'version actuelle',
  'history.revision': 'révision {revision}, changement n° {seq} du flux',
  'commune.notFound': 'Commune {code} introuvable',
  'commune.code': 'Code INSEE',
  'commune.addresses': 'Adresses',
  'commune.certified': 'Part certifiée',
  'commune.certifiedValue': '{share} ([count:{n} adresse certifiée|{n} adresses certifiées] par la commune)',
  'commune.streets': 'Voies',
  'commune.lieuxDits': 'Lieux-dits',
  'commune.source': 'Source',
  'commune.sourceBal': 'Base adresse locale publiée par la commune',
  'commune.sourceBan': 'Données de repli (BAN / BANO), pas encore de publication de la commune',
  'commune.lastPublication': 'Dernière publication',
  'commune.publishedBy': 'le {date} par {client} (révision {revision})',
  'commune.neverPublished': 'aucune',
  'commune.feedCursor': 'Curseur du flux',
  'commune.feedFollow': 'suivre les changements de la commune',
  'commune.downloads': 'Téléchargements',
  'commune.download': 'Adresses de la commune au format {format}',
  'commune.edit': 'Éditer les adresses de cette commune',
  'commune.noContour': 'Le contour de la commune n’est pas disponible : {message}',
  'commune.noContourData': 'Les données de contours de ce serveur n’ont pas de contour pour cette commune.',
  'editor.title': 'Éditer les adresses d’une commune',
  'editor.heading': 'Adresses de {commune}',
  'editor.unavailable': 'L’éditeur n’est pas disponible sur ce serveur (les routes /editor/ n’y répondent pas).',
  'editor.otherSession': 'Vous êtes connecté pour la commune {commune}.',
  'editor.continue': 'Continuer avec {commune}',
  'editor.signOut': 'Se déconnecter',
  'editor.wrongCommune': 'Votre session vaut pour la commune {commune}, pas pour {code}.',
  'editor.session': 'Connecté pour {commune} jusqu’au {until}.',
  'editor.draftInfo': 'Brouillon version {version}, à partir de {base} : {voies} voies et lieux-dits, {numeros} numéros.',
  'editor.baseRevision': 'la révision {revision}',
  'editor.baseBan': 'la base nationale (BAN)',
  'editor.actions': 'Actions du brouillon',
  'editor.undo': 'Annuler la dernière modification',
  'editor.undone': 'Dernière modification annulée.',
  'editor.reloading': 'Ouverture d’un nouveau brouillon à partir de la base actuelle…',
  'editor.abandon': 'Abandonner le brouillon',
  'editor.abandonConfirm': 'Abandonner le brouillon et toutes ses modifications ? Un nouveau brouillon repartira de la base actuelle.',
  'editor.abandoned': 'Brouillon abandonné : un nouveau brouillon repart de la base actuelle.',
  'editor.review': 'Voir ce qui va changer et publier',
  'editor.backToEdit': 'Revenir à l’édition',
  'editor.reloaded': 'Le brouillon a été modifié ailleurs : il a été rechargé, vérifiez puis recommencez.',
  'signin.lead':
    'Seule la mairie peut modifier les adresses de sa commune : un code à 6 chiffres est envoyé à l’adresse électronique officielle de la mairie.',
  'signin.step1': '1. Choisir la commune',
  'signin.step2': '2. Saisir le code reçu',
  'signin.commune': 'Commune',
  'signin.communeHint': 'Nom ou code INSEE, par exemple Bondy ou 93010.',
  'signin.pickCommune': 'Choisissez une commune dans la liste des propositions.',
  'signin.send': 'Recevoir un code par courriel',
  'signin.sent': 'Un code a été envoyé à {emails} pour {commune}. Il est valable jusqu’au {until}.',
  'signin.code': 'Code reçu par courriel',
  'signin.codeHint': '6 chiffres.',
  'signin.validate': 'Valider le code',
  'signin.resend': 'Renvoyer un code',
  'signin.retryAfter': 'Réessayez dans {s} secondes.',
  'report.title': 'Validation du brouillon',
  'report.valid': 'Le brouillon est conforme (profil {profile}).',
  'report.invalid': 'Le brouillon contient des erreurs : il ne peut pas être publié tel quel.',
  'report.counts': '{e} erreurs, {w} avertissements, {i} informations.',
  'report.rows': '([n:{n} ligne|{n} lignes])',
  'report.see': 'Voir :',
  'report.details': '[n:Le détail (1 code)|Le détail ({n} codes)]',
  'report.andMore': 'et {n} autres',
  'severity.E': 'Erreur :',
  'severity.W': 'Avertissement :',
  'severity.I': 'Information :',
  'voies.title': 'Voies et lieux-dits',
  'voies.filter': 'Filtrer par nom',
  'voies.shown': '{n} affichés sur {total}.',
  'voies.add': 'Ajouter une voie ou un lieu-dit',
  'voies.addName': 'Nom',
  'voies.addHint': 'Le nom complet, par exemple « Rue des Lilas ».',
  'voies.addKind': 'Type',
  'voies.addSubmit': 'Ajouter',
  'voies.added': '« {name} » ajouté.',
  'voie.voie': 'voie',
  'voie.lieuDit': 'lieu-dit',
  'voie.count': '{n} [n:numéro|numéros]',
  'voie.certifiedCount': '{n} [n:certifié|certifiés]',
  'voie.certifyAll': '[n:Certifier le numéro non certifié|Certifier les {n} numéros non certifiés]',
  'voie.certifiedAll': '[n:{n} numéro|{n} numéros] de « {voie} » [n:certifié|certifiés].',
  'voie.numeros': 'Numéros',
  'voie.noNumeros': 'Aucun numéro.',
  'voie.renameTitle': 'Renommer',
  'voie.newName': 'Nouveau nom',
  'voie.rename': 'Renommer',
  'voie.renamed': 'Renommée en « {name} ».',
  'voie.mergeTitle': 'Fusionner avec une autre voie',
  'voie.mergeInto': 'Déplacer tous les numéros dans',
  'voie.mergeChoose': 'Choisissez la voie qui reçoit les numéros.',
  'voie.mergeConfirm': 'Déplacer les {n} numéros de « {from} » dans « {into} » et supprimer « {from} » ?',
  'voie.merge': 'Fusionner',
  'voie.merged': '« {from} » fusionnée dans « {into} ».',
  'voie.addNumero': 'Ajouter un numéro',
  'voie.addNumeroSubmit': 'Ajouter le numéro',
  'numero.title': 'Numéro {numero}, {voie}',
  'numero.numero': 'Numéro',
  'numero.numeroHint': 'Un entier de 1 à 99999, sans le suffixe.',
  'numero.suffixe': 'Suffixe',
  'numero.suffixeHint': 'Facultatif : bis, ter, a, b…',
  'numero.voie': 'Voie',
  'numero.certifie': 'Certifié par la commune',
  'numero.certified': 'certifié',
  'numero.notCertified': 'non certifié',
  'numero.cle': 'Clé d’interopérabilité',
  'numero.lieudit': 'Lieu-dit complémentaire',
  'numero.dragHint':
    'Pour déplacer ce numéro, faites glisser son marqueur sur la carte, ou placez le focus sur le marqueur et utilisez les flèches ; ou modifiez ses coordonnées ci-dessous.',
  'numero.save': 'Enregistrer',
  'numero.saved': 'Numéro {numero} enregistré.',
  'numero.unchanged': 'Aucune modification à enregistrer.',
  'numero.delete': 'Supprimer ce numéro',
  'numero.deleteConfirm': 'Supprimer le numéro {numero} ?',
  'numero.deleted': 'Numéro {numero} supprimé.',
  'numero.added': 'Numéro {numero} ajouté à {voie}.',
  'numero.moved': 'Numéro {numero} déplacé.',
  'numero.markerLabel': 'Numéro {numero} : faire glisser pour déplacer',
  'diff.title': 'Ce qui va changer dans la base nationale',
  'diff.lead': 'Les changements que la publication de ce brouillon apportera, par rapport à la base actuelle.',
  'diff.summary': 'Résumé des changements',
  'diff.kind': 'Changement',
  'diff.count': 'Nombre',
  'diff.more': 'et [n:{n} autre changement|{n} autres changements].',
  'diff.nothing': 'Le brouillon ne change rien à la base nationale.',
  'diff.confirmText': 'Publier [n:ce changement|ces {n} changements] ? [n:Il sera visible|Ils seront visibles] aussitôt dans la recherche, les exports et le flux.',
  'diff.invalidWarning': 'Le rapport de validation contient des erreurs : la publication sera refusée tant qu’elles ne sont pas corrigées.',
  'diff.publish': 'Confirmer la publication',
  'published.title': 'Publication faite',
  'published.text': 'La révision {revision} est publiée ({n} changements) ; le flux est au curseur {cursor}.',
  'published.commune': 'Voir la page de la commune',
  'published.feed': 'Voir les changements dans le flux',
  'published.continue': 'Continuer l’édition (nouveau brouillon)',
  'change.commune.replaced': 'Commune publiée',
  'change.commune.republished': 'Commune republiée',
  'change.toponyme.created': 'Voie créée',
  'change.toponyme.renamed': 'Voie renommée',
  'change.toponyme.changed': 'Voie modifiée',
  'change.toponyme.retired': 'Voie retirée',
  'change.address.created': 'Adresse créée',
  'change.address.changed': 'Adresse modifiée',
  'change.address.retired': 'Adresse retirée',
};

export type Key = keyof typeof fr;

const en: Record<Key, string> = {
  loading: 'Loading…',
  'shell.skip': 'Skip to content',
  'shell.tagline': 'addresses in common',
  'shell.nav': 'Main navigation',
  'shell.explorer': 'Explore',
  'shell.editor': 'Edit my commune',
  'shell.footer': 'geocommun — the addresses published by the communes, open to all.',
  'shell.api': 'API (OpenAPI)',
  'shell.switch': 'Français',
  'shell.switchLang': 'fr',
  'map.region': 'Map',
  'map.label': 'Map of the addresses',
  'map.noTiles': 'The server’s vector basemap is not available (GET /tiles/style.json: {status}): the map shows the results only.',
  'map.network': 'network error',
  'map.unavailable': 'The map cannot be shown in this browser ({reason}); the rest of the page works without it.',
  'notFound.title': 'Page not found',
  'notFound.text': 'There is no page at {path}.',
  'notFound.home': 'Back to the home page',
  'error.title': 'Error',
  'search.label': 'Search an address, a street or a commune',
  'search.hint': 'For example: 8 boulevard du Port Amiens. Typos are tolerated; arrows to choose, Enter to open.',
  'search.count': '[n:{n} result|{n} results]. Up and down arrows to browse.',
  'search.none': 'No result for “{q}”.',
  'type.housenumber': 'Address',
  'type.street': 'Street',
  'type.locality': 'Lieu-dit',
  'type.municipality': 'Commune',
  'home.title': 'Explore the addresses',
  'home.lead':
    'The national address base, published by the communes: search an address, see its positions and history, or the figures of a commune.',
  'home.reuse': 'Reuse the data',
  'home.openapi': 'The API documentation (OpenAPI)',
  'home.feed': 'The change feed',
  'home.export': 'The whole of France (BAN CSV, gzip)',
  'address.notFound': 'Address not found',
  'address.banId': 'BAN id',
  'address.noBanId': 'no BAN id yet',
  'address.id': 'Identifier',
  'address.commune': 'Commune',
  'address.postcode': 'Postcode',
  'address.context': 'Context',
  'address.positions': 'Positions',
  'address.history': 'History',
  'address.historyError': 'The history cannot be read: {message}',
  'address.noHistory': 'No published history yet: these data come from the fallback files (BAN / BANO) and the commune has published nothing about them yet.',
  'position.title': 'Positions',
  'position.best': 'chosen position',
  'position.type': 'Position type',
  'position.lon': 'Longitude',
  'position.lat': 'Latitude',
  'position.legend': 'Position {n}',
  'position.useCenter': 'Use the centre of the map',
  'position.remove': 'Remove this position',
  'position.add': 'Add a position',
  'history.from': 'from {from}',
  'history.until': 'to {until}',
  'history.current': 'current version',
  'history.revision': 'revision {revision}, change {seq} of the feed',
  'commune.notFound': 'Commune {code} not found',
  'commune.code': 'INSEE code',
  'commune.addresses': 'Addresses',
  'commune.certified': 'Certified share',
  'commune.certifiedValue': '{share} ([count:{n} address|{n} addresses] certified by the commune)',
  'commune.streets': 'Streets',
  'commune.lieuxDits': 'Lieux-dits',
  'commune.source': 'Source',
  'commune.sourceBal': 'Local address base published by the commune',
  'commune.sourceBan': 'Fallback data (BAN / BANO), no publication by the commune yet',
  'commune.lastPublication': 'Last publication',
  'commune.publishedBy': 'on {date} by {client} (revision {revision})',
  'commune.neverPublished': 'none',
  'commune.feedCursor': 'Feed cursor',
  'commune.feedFollow': 'follow the changes of the commune',
  'commune.downloads': 'Downloads',
  'commune.download': 'Addresses of the commune as {format}',
  'commune.edit': 'Edit the addresses of this commune',
  'commune.noContour': 'The contour of the commune is not available: {message}',
  'commune.noContourData': 'The contour data of this server have no contour for this commune.',
  'editor.title': 'Edit the addresses of a commune',
  'editor.heading': 'Addresses of {commune}',
  'editor.unavailable': 'The editor is not available on this server (the /editor/ routes do not answer).',
  'editor.otherSession': 'You are signed in for the commune {commune}.',
  'editor.continue': 'Continue with {commune}',
  'editor.signOut': 'Sign out',
  'editor.wrongCommune': 'Your session is for the commune {commune}, not {code}.',
  'editor.session': 'Signed in for {commune} until {until}.',
  'editor.draftInfo': 'Draft version {version}, from {base}: {voies} streets and lieux-dits, {numeros} numbers.',
  'editor.baseRevision': 'revision {revision}',
  'editor.baseBan': 'the national base (BAN)',
  'editor.actions': 'Draft actions',
  'editor.undo': 'Undo the last change',
  'editor.undone': 'Last change undone.',
  'editor.reloading': 'Opening a new draft from the current base…',
  'editor.abandon': 'Abandon the draft',
  'editor.abandonConfirm': 'Abandon the draft and all its changes? A new draft will start from the current base.',
  'editor.abandoned': 'Draft abandoned: a new draft starts from the current base.',
  'editor.review': 'See what will change and publish',
  'editor.backToEdit': 'Back to editing',
  'editor.reloaded': 'The draft was changed elsewhere: it was reloaded, check it and try again.',
  'signin.lead': 'Only the mairie may edit the addresses of its commune: a 6-digit code is sent to the official e-mail address of the mairie.',
  'signin.step1': '1. Choose the commune',
  'signin.step2': '2. Enter the code you received',
  'signin.commune': 'Commune',
  'signin.communeHint': 'Name or INSEE code, for example Bondy or 93010.',
  'signin.pickCommune': 'Choose a commune from the list of suggestions.',
  'signin.send': 'Send me a code by e-mail',
  'signin.sent': 'A code was sent to {emails} for {commune}. It is valid until {until}.',
  'signin.code': 'Code received by e-mail',
  'signin.codeHint': '6 digits.',
  'signin.validate': 'Check the code',
  'signin.resend': 'Send another code',
  'signin.retryAfter': 'Try again in {s} seconds.',
  'report.title': 'Validation of the draft',
  'report.valid': 'The draft is valid (profile {profile}).',
  'report.invalid': 'The draft has errors: it cannot be published as it is.',
  'report.counts': '{e} errors, {w} warnings, {i} notices.',
  'report.rows': '([n:{n} row|{n} rows])',
  'report.see': 'See:',
  'report.details': '[n:The details (1 code)|The details ({n} codes)]',
  'report.andMore': 'and {n} more',
  'severity.E': 'Error:',
  'severity.W': 'Warning:',
  'severity.I': 'Notice:',
  'voies.title': 'Streets and lieux-dits',
  'voies.filter': 'Filter by name',
  'voies.shown': '{n} shown of {total}.',
  'voies.add': 'Add a street or a lieu-dit',
  'voies.addName': 'Name',
  'voies.addHint': 'The full name, for example “Rue des Lilas”.',
  'voies.addKind': 'Kind',
  'voies.addSubmit': 'Add',
  'voies.added': '“{name}” added.',
  'voie.voie': 'street',
  'voie.lieuDit': 'lieu-dit',
  'voie.count': '{n} [n:number|numbers]',
  'voie.certifiedCount': '{n} certified',
  'voie.certifyAll': '[n:Certify the uncertified number|Certify the {n} uncertified numbers]',
  'voie.certifiedAll': '[n:{n} number|{n} numbers] of “{voie}” certified.',
  'voie.numeros': 'Numbers',
  'voie.noNumeros': 'No number.',
  'voie.renameTitle': 'Rename',
  'voie.newName': 'New name',
  'voie.rename': 'Rename',
  'voie.renamed': 'Renamed “{name}”.',
  'voie.mergeTitle': 'Merge into another street',
  'voie.mergeInto': 'Move every number to',
  'voie.mergeChoose': 'Choose the street that receives the numbers.',
  'voie.mergeConfirm': 'Move the {n} numbers of “{from}” to “{into}” and delete “{from}”?',
  'voie.merge': 'Merge',
  'voie.merged': '“{from}” merged into “{into}”.',
  'voie.addNumero': 'Add a number',
  'voie.addNumeroSubmit': 'Add the number',
  'numero.title': 'Number {numero}, {voie}',
  'numero.numero': 'Number',
  'numero.numeroHint': 'An integer from 1 to 99999, without the suffix.',
  'numero.suffixe': 'Suffix',
  'numero.suffixeHint': 'Optional: bis, ter, a, b…',
  'numero.voie': 'Street',
  'numero.certifie': 'Certified by the commune',
  'numero.certified': 'certified',
  'numero.notCertified': 'not certified',
  'numero.cle': 'Interoperability key',
  'numero.lieudit': 'Lieu-dit complement',
  'numero.dragHint':
    'To move this number, drag its marker on the map, or focus the marker and use the arrow keys; or edit its coordinates below.',
  'numero.save': 'Save',
  'numero.saved': 'Number {numero} saved.',
  'numero.unchanged': 'Nothing to save.',
  'numero.delete': 'Delete this number',
  'numero.deleteConfirm': 'Delete the number {numero}?',
  'numero.deleted': 'Number {numero} deleted.',
  'numero.added': 'Number {numero} added to {voie}.',
  'numero.moved': 'Number {numero} moved.',
  'numero.markerLabel': 'Number {numero}: drag to move',
  'diff.title': 'What will change in the national base',
  'diff.lead': 'The changes that publishing this draft will make, compared with the current base.',
  'diff.summary': 'Summary of the changes',
  'diff.kind': 'Change',
  'diff.count': 'Count',
  'diff.more': 'and [n:{n} more change|{n} more changes].',
  'diff.nothing': 'The draft changes nothing in the national base.',
  'diff.confirmText': 'Publish [n:this change|these {n} changes]? [n:It|They] will show at once in search, exports and the feed.',
  'diff.invalidWarning': 'The validation report has errors: publishing will be refused until they are fixed.',
  'diff.publish': 'Confirm the publication',
  'published.title': 'Published',
  'published.text': 'Revision {revision} is published ({n} changes); the feed is at cursor {cursor}.',
  'published.commune': 'See the page of the commune',
  'published.feed': 'See the changes in the feed',
  'published.continue': 'Go on editing (new draft)',
  'change.commune.replaced': 'Commune published',
  'change.commune.republished': 'Commune republished',
  'change.toponyme.created': 'Street created',
  'change.toponyme.renamed': 'Street renamed',
  'change.toponyme.changed': 'Street changed',
  'change.toponyme.retired': 'Street retired',
  'change.address.created': 'Address created',
  'change.address.changed': 'Address changed',
  'change.address.retired': 'Address retired',
};

export type Lang = 'fr' | 'en';
const dictionaries: Record<Lang, Record<Key, string>> = { fr, en };
let current: Lang = 'fr';
const listeners: (() => void)[] = [];

export function lang(): Lang {
  return current;
}

/** The translation of `key`: `[n:one|other]` chooses by the plural rule of the language for
 * the number `params.n`, then `{name}` placeholders are replaced. */
export function t(key: Key, params: Record<string, string> = {}): string {
  const text = dictionaries[current][key] ?? fr[key] ?? key;
  if (!text.includes('[')) return text.replace(/\{(\w+)\}/g, (m, k: string) => params[k] ?? m);
  const rules = new Intl.PluralRules(current);
  return text
    .replace(/\[(\w+):([^|\]]*)\|([^\]]*)\]/g, (_m, k: string, one: string, other: string) => {
      const n = Number(params[k]);
      return Number.isFinite(n) && rules.select(n) === 'one' ? one : other;
    })
    .replace(/\{(\w+)\}/g, (m, k: string) => params[k] ?? m);
}

export function initLang(): void {
  let saved: string | null = null;
  try {
    saved = localStorage.getItem('geocommun.lang');
  } catch {
    // Storage disabled: French.
  }
  current = saved === 'en' ? 'en' : 'fr';
  document.documentElement.lang = current;
  document.getElementById('lang-switch')?.addEventListener('click', () => setLang(current === 'fr' ? 'en' : 'fr'));
}

export function setLang(l: Lang): void {
  current = l;
  document.documentElement.lang = l;
  try {
    localStorage.setItem('geocommun.lang', l);
  } catch {
    // Storage disabled: the choice lasts for this page.
  }
  for (const f of listeners) f();
}

export function onLangChange(f: () => void): void {
  listeners.push(f);
}

/** Translates the static shell of index.html (`data-i18n`, `data-i18n-aria`). */
export function applyShell(): void {
  document.querySelectorAll<HTMLElement>('[data-i18n]').forEach((el) => {
    el.textContent = t(el.dataset.i18n as Key);
  });
  document.querySelectorAll<HTMLElement>('[data-i18n-aria]').forEach((el) => {
    el.setAttribute('aria-label', t(el.dataset.i18nAria as Key));
  });
  const sw = document.getElementById('lang-switch');
  if (sw) {
    sw.textContent = t('shell.switch');
    sw.setAttribute('lang', t('shell.switchLang'));
  }
}

const locale = () => (current === 'fr' ? 'fr-FR' : 'en-GB');

export function formatNumber(n: number): string {
  return new Intl.NumberFormat(locale()).format(n);
}

export function formatPercent(share: number): string {
  return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 }).format(share);
}

export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'long', timeStyle: 'short' }).format(d);
}

export function changeKind(kind: string): string {
  const key = `change.${kind}` as Key;
  return key in fr ? t(key) : kind;
}

/** The 8 position types of the BAL standard, in their BAL spelling. */
export const POSITION_TYPES = [
  'entrée',
  'bâtiment',
  'cage d’escalier',
  'logement',
  'service technique',
  'délivrance postale',
  'parcelle',
  'segment',
] as const;

const POSITION_EN: Record<string, string> = {
  entrée: 'entrance',
  bâtiment: 'building',
  'cage d’escalier': 'staircase',
  "cage d'escalier": 'staircase',
  logement: 'dwelling',
  'service technique': 'utility service',
  'délivrance postale': 'postal delivery',
  parcelle: 'parcel',
  segment: 'segment',
};

/** A position type as shown (its BAL spelling in French, translated in English). */
export function positionType(type: string): string {
  return current === 'en' ? (POSITION_EN[type] ?? type) : type;
}
