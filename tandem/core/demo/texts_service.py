"""What customers and agents write in service conversations (orders, billing, onboarding...).

The demo company, Lumio, sells smart-office hardware (hubs, sensors, room displays) with a
cloud dashboard on subscription plans. Templates use {slots} filled by `stories.Slots`.
"""

from __future__ import annotations

from tandem.core.demo.texts import Category

ORDERS = Category(
    key="orders",
    track="service",
    team="Service",
    weight=20,
    tags=("order", "shipping", "delivery", "b2b"),
    subjects=(
        "Where is my order {order}?",
        "Order {order} still not delivered",
        "Tracking for {order} has not moved since {weekday}",
        "Can I change the delivery address for {order}?",
        "Missing item in order {order}",
        "Need an invoice address change before {order} ships",
        "Bulk order of {count} {product} units for our new office",
        "Order {order} arrived damaged",
    ),
    openings=(
        "Hi, I ordered {count} {product} on {date} (order {order}) and nothing has arrived yet.",
        "Hello team, our order {order} was supposed to arrive on {weekday} but the tracking page "
        "still says 'label created'.",
        "Good morning, we placed order {order} for our {city} office and I need to check on it.",
        "Hi there, order {order} arrived today but one box with the {product} is missing.",
        "Hello, the parcel for order {order} came with a crushed corner and the {product} inside "
        "does not power on.",
    ),
    details=(
        "We are opening the office on {weekday} and really need the devices installed by then.",
        "The courier's site gives me nothing useful and their phone line keeps hanging up.",
        "The packing slip lists {count} units but we only received {fewer}.",
        "Could you send it to our second address instead? It is {street}, {city}.",
        "Our purchase order number is {po}, in case you need it for the paperwork.",
        "I have attached a photo of the box as it arrived.",
        "Our facilities manager will be on site all week to sign for it.",
    ),
    replies=(
        "I have checked order {order} with our warehouse: it left on {date} and the courier "
        "confirms it is at their {city} depot. It should reach you within two working days. "
        "I will keep an eye on the tracking and let you know if it stalls again.",
        "I am sorry the delivery went wrong. I have arranged a replacement shipment for the "
        "missing {product}, sent by express; you will get a tracking email within the hour.",
        "Thanks for the photo, that is clearly transit damage. A replacement {product} is on its "
        "way and the courier will collect the damaged one at the same time; no need to repack it.",
        "The address on {order} is now updated to {street}, {city}. The warehouse confirmed the "
        "change before the parcel was picked, so it will go straight there.",
    ),
    notes=(
        "Courier claim opened for {order}; warehouse says the pallet was split in two.",
        "Second late delivery for this account this quarter; flagged to logistics.",
        "Replacement approved under the damaged-in-transit policy, no return label needed.",
    ),
)

BILLING = Category(
    key="billing",
    track="service",
    team="Billing",
    weight=14,
    tags=("invoice", "payment", "vat", "card"),
    subjects=(
        "Invoice {invoice} shows the wrong VAT number",
        "We were charged twice this month",
        "Card payment for the {plan} plan failed",
        "Please send invoices to our finance mailbox",
        "Question about the {amount} charge on our statement",
        "Need a copy of all invoices for {year}",
        "Can we switch from card to bank transfer?",
    ),
    openings=(
        "Hello, our latest invoice {invoice} has an old VAT number on it and our accounts team "
        "cannot book it.",
        "Hi, I see two charges of {amount} on our company card for the same month.",
        "Hello, the renewal of our {plan} subscription failed and the dashboard now shows a "
        "payment warning.",
        "Hi, could you please change where invoices are sent? They currently go to a colleague "
        "who left.",
        "Good afternoon, there is a charge of {amount} on our statement that nobody here "
        "recognises.",
    ),
    details=(
        "Our correct VAT number is {vat}.",
        "The card itself works fine everywhere else, so I suspect something on your side.",
        "Our auditors need the full set of invoices by the end of next week.",
        "Please send everything to finance@{domain} from now on.",
        "We would prefer to pay by bank transfer with 30 day terms if that is possible.",
        "I have attached a screenshot of the statement line.",
    ),
    replies=(
        "I have reissued invoice {invoice} with VAT number {vat}; the corrected PDF is in your "
        "billing page and attached here. The original is cancelled so your books stay clean.",
        "You are right, the renewal ran twice after a retry. I have refunded the duplicate "
        "{amount}; it usually shows on the card within five working days.",
        "The payment failed because the card on file expired last month. You can add a new one "
        "under Settings > Billing, and I have paused the warning for seven days so nothing "
        "is interrupted meanwhile.",
        "Done: invoices now go to finance@{domain}, and I have sent the last three there "
        "as well so they have a complete set.",
        "That {amount} is the pro-rated charge for the {count} extra seats added on {date}. "
        "I have attached the breakdown; let me know if the seat count looks wrong to you.",
    ),
    notes=(
        "Duplicate charge confirmed in the payment provider, refund id RF-{ref}.",
        "Customer asked for 30 day terms; needs approval from finance for accounts under Business.",
        "VAT number validated against the EU VIES service.",
    ),
)

REFUNDS = Category(
    key="refunds",
    track="service",
    team="Billing",
    weight=8,
    tags=("refund", "cancellation", "goodwill"),
    subjects=(
        "Refund for unused {plan} months",
        "Requesting a refund for order {order}",
        "Refund not received yet",
        "Cancelled within 14 days, please refund",
    ),
    openings=(
        "Hi, we downgraded from {plan} last month but were still billed for the full year.",
        "Hello, I returned the items from order {order} two weeks ago and have not seen a refund.",
        "Hi, you confirmed a refund of {amount} on {date} but it has not arrived on our account.",
        "Hello, we cancelled our subscription within the trial period and would like our "
        "{amount} back.",
    ),
    details=(
        "The return was signed for by your warehouse on {date}.",
        "Our bank says nothing is pending on their side.",
        "We liked the product but the budget for this project was cut.",
        "A partial refund for the unused months would be fair, I think.",
    ),
    replies=(
        "I have issued a refund of {amount} to the original payment method. Refunds take three "
        "to five working days to appear; the reference is RF-{ref} if your bank asks.",
        "The returned items were received and checked, so the refund of {amount} for order "
        "{order} went out today. I am sorry it took longer than it should have.",
        "I have credited the unused months, {amount}, back to your card, and your account "
        "stays on the new plan with no further change.",
    ),
    notes=(
        "Refund above 500 needs a second approver; approved by Ingrid.",
        "Goodwill refund: long-standing customer, third issue this year.",
    ),
)

RETURNS = Category(
    key="returns",
    track="service",
    team="Service",
    weight=8,
    tags=("return", "rma", "warranty"),
    subjects=(
        "How do I return a {product}?",
        "Return label for order {order}",
        "{product} stopped working after {months} months, warranty?",
        "Wrong model delivered, need to exchange",
    ),
    openings=(
        "Hello, we ordered too many {product} units and would like to send {fewer} back.",
        "Hi, our {product} no longer turns on; it is only {months} months old.",
        "Hello, we received the {product} instead of the {other_product} we ordered in {order}.",
        "Hi, could you send me a return label for order {order}?",
    ),
    details=(
        "They are unopened and still in the original packaging.",
        "We tried a different power supply and a different socket, same result.",
        "The serial number is {serial}.",
        "We would prefer an exchange rather than a refund.",
    ),
    replies=(
        "I have created return RMA-{ref} for you; the prepaid label is attached. Drop the parcel "
        "at any courier point and the refund or exchange starts as soon as it is scanned.",
        "That is covered by the two-year warranty. A replacement {product} ships today and the "
        "label for the faulty one is attached.",
        "Sorry for the mix-up. The correct {other_product} is on its way by express; please "
        "send the wrong model back with the attached label whenever it suits you.",
    ),
    notes=(
        "Serial {serial} is from a batch with known power board failures.",
        "Exchange instead of refund, customer keeps the old unit until the new one arrives.",
    ),
)

ONBOARDING = Category(
    key="onboarding",
    track="service",
    team="Service",
    weight=10,
    tags=("onboarding", "setup", "training", "new-customer"),
    subjects=(
        "Getting started with our {count} new hubs",
        "Can we book an onboarding call?",
        "Best way to roll out Lumio across {count} offices",
        "How do we invite our team?",
        "Training for our facilities staff",
    ),
    openings=(
        "Hi, we just signed up for the {plan} plan and the first {count} hubs arrived today.",
        "Hello, we are rolling Lumio out across several offices and want to get the set-up right "
        "from the start.",
        "Hi, I am the new admin for our account and I am not sure where to begin.",
        "Hello, could someone walk our facilities team through the dashboard?",
    ),
    details=(
        "We have about {users} people who will need access.",
        "Ideally we would have everything live before the end of the month.",
        "Is there a way to import our floor plans rather than drawing them by hand?",
        "We use single sign-on with our identity provider, if that matters.",
    ),
    replies=(
        "Welcome aboard! I have booked a 45-minute onboarding call for {weekday} at 10:00 and "
        "sent the invitation. Before then, the quick-start guide in the help center covers "
        "pairing the hubs; it takes about five minutes per device.",
        "For several offices we recommend one workspace per site with shared admins; I have set "
        "that up for {company} and added you as owner. You can invite colleagues from "
        "Settings > People, or in bulk with a CSV.",
        "Floor plans can be imported as PDF or SVG under Spaces > Import. I have attached our "
        "checklist for roll-outs of your size, which most customers find saves a week.",
    ),
    notes=(
        "Good upsell candidate: asked about desk booking for all {count} offices.",
        "Onboarding call done, customer will import floor plans themselves.",
    ),
)

UPGRADE = Category(
    key="upgrade",
    track="service",
    team="Service",
    weight=7,
    tags=("upsell", "upgrade", "pricing", "quote"),
    subjects=(
        "What does the {plan} plan add?",
        "Quote for {count} more seats",
        "Upgrade to {plan} mid-contract",
        "Does desk booking come with our plan?",
        "Pricing for a second office",
    ),
    openings=(
        "Hi, we are on {old_plan} and wondering whether {plan} is worth it for us.",
        "Hello, we are growing and need {count} more seats; could you send a quote?",
        "Hi, can we move to {plan} now rather than at renewal?",
        "Hello, our team keeps asking for desk booking; is that included in what we pay?",
    ),
    details=(
        "The main thing we need is longer data retention for our occupancy reports.",
        "We would want the change to apply from the start of next month.",
        "Budget approval is easier if I can show the yearly total.",
        "We are also evaluating a competitor, to be transparent.",
    ),
    replies=(
        "{plan} adds 24 months of history, desk booking and priority support. Upgrading now is "
        "pro-rated, so you only pay the difference for the rest of this term; the quote is "
        "attached with the yearly total for your approval.",
        "Here is the quote for {count} more seats. If you confirm by the end of the month I can "
        "keep your current per-seat price for the new seats too.",
        "Desk booking comes with {plan}; on your current plan it is an add-on. I have enabled a "
        "30-day trial on your workspace so your team can try it first.",
    ),
    notes=(
        "Quote Q-{ref} sent, follow up in a week.",
        "Customer converted: upgraded to {plan} after the trial.",
    ),
)

ACCOUNT = Category(
    key="account",
    track="service",
    team="Service",
    weight=8,
    tags=("account", "admin", "gdpr", "ownership"),
    subjects=(
        "Transfer account ownership to a colleague",
        "Change our company name on the account",
        "Please delete the data of a former employee",
        "Add a second administrator",
        "Update our billing contact",
    ),
    openings=(
        "Hi, I am leaving {company} at the end of the month and the account is in my name.",
        "Hello, we rebranded and our company name on the account should now be {company}.",
        "Hi, a former employee asked us to remove all their personal data from Lumio.",
        "Hello, could you make {colleague} an administrator alongside me?",
    ),
    details=(
        "My colleague's email is {colleague_email}.",
        "The request came in under GDPR, so we have thirty days.",
        "Nothing else about the account should change.",
        "I have confirmed this with our managing director, who is copied here.",
    ),
    replies=(
        "Ownership is now with {colleague}, and you remain an admin until you tell us otherwise. "
        "They will receive a confirmation email with the details.",
        "The company name now reads {company} across the dashboard and on future invoices.",
        "The former employee's profile, badge history and bookings are deleted; I have attached "
        "the deletion confirmation for your records.",
    ),
    notes=(
        "Ownership change verified with a call to the number on file.",
        "GDPR deletion request logged, done within 2 days.",
    ),
)

SERVICE_CATEGORIES = (ORDERS, BILLING, REFUNDS, RETURNS, ONBOARDING, UPGRADE, ACCOUNT)
