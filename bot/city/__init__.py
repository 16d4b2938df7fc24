"""What the city is and offers, as data and rules: no Redis, no HTTP, no conversation.

    districts          the 14 districts and how a text names one
    departments        the departments by the spec's codes (gjj, crj, …) and their full names
    complaint_topics   the topics of a complaint and the words that point to each
    corrections        what a correction keeps: the value said last, never one turned down
    ratings            好差评: the five levels and the plain words for them
    service_catalogue  办事指南: the items and life-event bundles of catalogue/*.yaml
    slips              a service's name typed with a slip of the input method (港奥通行证, 护招)
    office_hours       when people answer (weekdays, hours, holidays and 调休)
    service_settings   the settings of these services in config.yaml, checked at start-up
"""
